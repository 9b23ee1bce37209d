/**
 * Glossary
 * - log row: one row of system_logs. A *request log row* has a path (the server writes one per API request,
 *   and log lines emitted while serving a request carry it too); a row without a path is a background log line.
 * - admin logs: what `GET /api/admin/logs/` lists: request log rows only. That is the view
 *   admin_logs_filtered (`WHERE path IS NOT NULL`), and the legacy repository applies the same predicate to
 *   system_logs, so both answer with the same rows. Cleanup is the one operation that reaches every row.
 * - sort key: the whitelisted expression a page is ordered by, always followed by id as the tie-breaker.
 * - cursor: an opaque token naming the last row of a page (its sort key and id); the next page starts after it
 *   by a keyset predicate, so a deep page costs what the first one does.
 * - capped count: `total` is exact up to COUNT_CAP matching rows; beyond that it is the planner's estimate
 *   and `total_exact` is false, so counting never makes a page slow on millions of rows.
 */
import type { LogSortField, SortOrder } from './log-sort.js';

/** Python logging's levels, the spelling upstream stores and filters on. */
export const SYSTEM_LOG_LEVELS = ['DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL'] as const;
export type SystemLogLevel = (typeof SYSTEM_LOG_LEVELS)[number];

export interface LogQuery {
  level?: SystemLogLevel;
  /** Case-insensitive substring of the logger name (upstream calls it source); `%`, `_`, `\` are literal. */
  source?: string;
  requestId?: string;
  /** Inclusive bounds on timestamp, as canonical ISO 8601 instants with an explicit offset. */
  startTime?: string;
  endTime?: string;
  limit: number;
  offset: number;
  sortBy: LogSortField;
  sortOrder: SortOrder;
  /** Start after this row (from a previous page's next_cursor); never together with a non-zero offset. */
  after?: { keys: string[]; id: number };
}

/** One admin log row as the API returns it (upstream's field names; `source` is the logger). */
export interface LogEntry {
  id: number;
  /** ISO 8601 with microseconds and an explicit +00:00 offset, as upstream's isoformat(). */
  timestamp: string;
  level: string;
  source: string | null;
  message: string | null;
  request_id: string | null;
  user_id: number | null;
  ip_address: string | null;
  user_agent: string | null;
  path: string | null;
  method: string | null;
  status_code: number | null;
  duration_ms: number | null;
  error_type: string | null;
  error_message: string | null;
  stack_trace: string | null;
  context: Record<string, unknown>;
  /** Upstream lifted these four out of context; kept so its clients read them where they expect. */
  request_body: unknown;
  query_params: unknown;
  headers: unknown;
  client_info: unknown;
}

export interface LogPage {
  logs: LogEntry[];
  /** Matching rows (all pages); exact when totalExact, else the planner's estimate (never below the cap). */
  total: number;
  totalExact: boolean;
  /** Exact: one row beyond the page was asked for. */
  hasMore: boolean;
  /** Token for the page after this one; null on the last page. */
  nextCursor: string | null;
}

export interface LogStatistics {
  time_range: { start: string; end: string; hours: number };
  total_logs: number;
  /** Rows at level ERROR or CRITICAL, and their share of total_logs in percent (2 decimals). */
  error_count: number;
  error_rate: number;
  level_distribution: { level: string; count: number }[];
  top_sources: { source: string | null; count: number }[];
  /** Rows that carry a status code, by the view's status_category. */
  status_categories: { success: number; client_error: number; server_error: number };
  top_paths: { path: string; count: number; server_errors: number; avg_duration_ms: number | null }[];
  duration_ms: {
    count: number;
    p50: number | null;
    p95: number | null;
    p99: number | null;
    avg: number | null;
    max: number | null;
  };
  error_timeline: { hour: string; errors: number; total: number; error_rate: number }[];
  storage: { table_size: string; table_bytes: number; total_rows: number; total_rows_exact: boolean };
}

export interface CleanupResult {
  logs_deleted: number;
  /** ISO instant rows older than which were deleted; null when days = 0 deleted every row. */
  cutoff: string | null;
}

/** The admin-log reads and the cleanup, implemented over system_logs (legacy) and admin_logs_filtered (views). */
export interface LogRepository {
  /** One page of request log rows for the filters, in the requested order with id as tie-breaker. */
  query(query: LogQuery): Promise<LogPage>;
  /** Aggregates over request log rows with timestamp in [now − hours, now]. */
  statistics(hours: number, now: Date): Promise<LogStatistics>;
  /**
   * Deletes every system_logs row older than now − days (days = 0: every row): whole weekly partitions where
   * they are all older, the rest in bounded batches.
   */
  cleanup(days: number, now: Date): Promise<CleanupResult>;
}
