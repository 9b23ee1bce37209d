import type { Queryable } from '../../db/pool.js';
import { encodeCursor } from '../log-cursor.js';
import type {
  CleanupResult,
  LogEntry,
  LogPage,
  LogQuery,
  LogRepository,
  LogStatistics,
} from '../log-repository.js';
import {
  buildLogCountSql,
  buildLogEstimateSql,
  buildLogPageSql,
  COUNT_CAP,
  capTotal,
} from './log-list-sql.js';
import { buildSkipListsSql, needsSkipLists, type SkipLists } from './log-skip-sql.js';
import type { LogRelation } from './log-sql-base.js';
import {
  buildLogCountsSql,
  buildLogDurationsSql,
  buildLogStorageSql,
  buildLogTimelineSql,
} from './log-stats-sql.js';

type LogRow = Omit<LogEntry, 'request_body' | 'query_params' | 'headers' | 'client_info'> & {
  sort_key: string[];
};

/** Deleting in batches keeps each statement (its locks, WAL burst and undo) small on a large table. */
const CLEANUP_BATCH = 50_000;

const round = (value: number | null, digits: number): number | null =>
  value === null ? null : Math.round(value * 10 ** digits) / 10 ** digits;
const percent = (part: number, whole: number): number =>
  whole > 0 ? (round((part / whole) * 100, 2) ?? 0) : 0;

function toEntry({ sort_key: _, ...row }: LogRow): LogEntry {
  const ctx = row.context;
  return {
    ...row,
    request_body: ctx.request_body ?? null,
    query_params: ctx.query_params ?? null,
    headers: ctx.headers ?? null,
    client_info: ctx.client_info ?? null,
  };
}

async function loadSkipLists(db: Queryable, rel: LogRelation, q: LogQuery): Promise<SkipLists> {
  const sql = buildSkipListsSql(rel, q);
  const { rows } = await db.query<{
    loggers: string[] | null;
    matched_loggers: string[] | null;
    lead_values: string[] | null;
  }>(sql.text, sql.values);
  const row = rows[0];
  return {
    loggers: row?.loggers ?? null,
    matchedLoggers: row?.matched_loggers ?? null,
    leadValues: row?.lead_values ?? null,
  };
}

async function queryPage(db: Queryable, rel: LogRelation, q: LogQuery): Promise<LogPage> {
  const lists = needsSkipLists(q) ? await loadSkipLists(db, rel, q) : undefined;
  const page = buildLogPageSql(rel, q, lists);
  const count = buildLogCountSql(rel, q, lists);
  const [rowsResult, countResult] = await Promise.all([
    db.query<LogRow>(page.text, page.values),
    db.query<{ n: number }>(count.text, count.values),
  ]);
  const counted = countResult.rows[0]?.n ?? 0;
  let estimate: number | undefined;
  if (counted > COUNT_CAP) {
    const explain = buildLogEstimateSql(rel, q, lists);
    const { rows } = await db.query<{ 'QUERY PLAN': [{ Plan: { 'Plan Rows': number } }] }>(
      explain.text,
      explain.values,
    );
    estimate = rows[0]?.['QUERY PLAN'][0]?.Plan['Plan Rows'];
  }
  const { total, exact } = capTotal(counted, estimate);
  const hasMore = rowsResult.rows.length > q.limit;
  const rows = rowsResult.rows.slice(0, q.limit);
  const last = rows.at(-1);
  const nextCursor =
    hasMore && last
      ? encodeCursor({ sortBy: q.sortBy, sortOrder: q.sortOrder, keys: last.sort_key, id: Number(last.id) })
      : null;
  return { logs: rows.map(toEntry), total, totalExact: exact, hasMore, nextCursor };
}

interface CountRow {
  dim: 'level' | 'source' | 'path' | 'category' | 'all';
  level: string | null;
  source: string | null;
  path: string | null;
  category: string | null;
  n: number;
  with_status: number;
  errors: number;
  server_errors: number;
  avg_duration_ms: number | null;
}

/** Code-unit order with null last: the same on every machine, whatever its locale. */
function byName(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return a < b ? -1 : 1;
}

/** Most frequent first, then by name, so equal counts come out in one order whichever repository ran. */
function top<T extends { count: number }>(items: T[], name: (item: T) => string | null, limit: number): T[] {
  return items.sort((a, b) => b.count - a.count || byName(name(a), name(b))).slice(0, limit);
}

async function statistics(db: Queryable, rel: LogRelation, hours: number, now: Date): Promise<LogStatistics> {
  const end = now.toISOString();
  const start = new Date(now.getTime() - hours * 3_600_000).toISOString();
  const counts = buildLogCountsSql(rel, start, end);
  const durations = buildLogDurationsSql(rel, start, end);
  const timeline = buildLogTimelineSql(rel, start, end);
  const storage = buildLogStorageSql();
  // Three independent scans of the window, concurrently when db is a pool.
  const [c, t, d, s] = await Promise.all([
    db.query<CountRow>(counts.text, counts.values),
    db.query<{ hour: string; total: number; errors: number }>(timeline.text, timeline.values),
    db.query<{ count: number; percentiles: number[] | null; avg: number | null; max: number | null }>(
      durations.text,
      durations.values,
    ),
    db.query<{ table_bytes: number; table_size: string; total_rows: number; total_rows_exact: boolean }>(
      storage.text,
      storage.values,
    ),
  ]);
  const of = (dim: CountRow['dim']) => c.rows.filter((r) => r.dim === dim);
  const all = of('all')[0];
  const total = all?.n ?? 0;
  const errors = all?.errors ?? 0;
  const categories = { success: 0, client_error: 0, server_error: 0 };
  for (const r of of('category')) {
    if (r.category && r.category in categories)
      categories[r.category as keyof typeof categories] = r.with_status;
  }
  const dur = d.rows[0];
  const [p50 = null, p95 = null, p99 = null] = dur?.percentiles ?? [];
  const store = s.rows[0];
  return {
    time_range: { start, end, hours },
    total_logs: total,
    error_count: errors,
    error_rate: percent(errors, total),
    level_distribution: top(
      of('level').map((r) => ({ level: r.level ?? '', count: r.n })),
      (r) => r.level,
      Number.POSITIVE_INFINITY,
    ),
    top_sources: top(
      of('source').map((r) => ({ source: r.source, count: r.n })),
      (r) => r.source,
      10,
    ),
    status_categories: categories,
    top_paths: top(
      of('path').map((r) => ({
        path: r.path ?? '',
        count: r.n,
        server_errors: r.server_errors,
        avg_duration_ms: round(r.avg_duration_ms, 3),
      })),
      (r) => r.path,
      10,
    ),
    duration_ms: {
      count: dur?.count ?? 0,
      p50: round(p50, 3),
      p95: round(p95, 3),
      p99: round(p99, 3),
      avg: round(dur?.avg ?? null, 3),
      max: round(dur?.max ?? null, 3),
    },
    error_timeline: t.rows
      .map((r) => ({
        hour: r.hour,
        errors: r.errors,
        total: r.total,
        error_rate: percent(r.errors, r.total),
      }))
      .sort((a, b) => byName(b.hour, a.hour)),
    storage: {
      table_size: store?.table_size ?? '0 bytes',
      table_bytes: store?.table_bytes ?? 0,
      total_rows: Math.round(store?.total_rows ?? 0),
      total_rows_exact: store?.total_rows_exact ?? true,
    },
  };
}

/**
 * Deletes from system_logs itself (a view is not where rows are deleted) in batches of `batch` rows, each
 * its own statement, until a batch comes back short. days = 0 deletes every row that existed when the
 * cleanup started (id ≤ the max id then), so rows the request log writes meanwhile cannot keep it going.
 */
async function cleanup(db: Queryable, days: number, now: Date, batch: number): Promise<CleanupResult> {
  const cutoff = days === 0 ? null : new Date(now.getTime() - days * 86_400_000).toISOString();
  let predicate: string;
  let bound: unknown;
  if (cutoff === null) {
    const { rows } = await db.query<{ max: number | null }>('select max(id) as max from system_logs');
    if (rows[0]?.max == null) return { logs_deleted: 0, cutoff };
    predicate = 's.id <= $1::bigint';
    bound = rows[0].max;
  } else {
    predicate = 's.timestamp < $1::timestamptz';
    bound = cutoff;
  }
  const text = `delete from system_logs d
    where d.id in (select s.id from system_logs s where ${predicate} limit $2::integer)`;
  let deleted = 0;
  for (;;) {
    const result = await db.query(text, [bound, batch]);
    deleted += result.rowCount ?? 0;
    if ((result.rowCount ?? 0) < batch) return { logs_deleted: deleted, cutoff };
  }
}

/** The view repository's reads and the cleanup over `rel`; the legacy arm is its own port (legacy-log-*.ts). */
export function createLogReader(
  db: Queryable,
  rel: LogRelation,
  { cleanupBatch = CLEANUP_BATCH }: { cleanupBatch?: number } = {},
): LogRepository {
  return {
    query: (q) => queryPage(db, rel, q),
    statistics: (hours, now) => statistics(db, rel, hours, now),
    cleanup: (days, now) => cleanup(db, days, now, cleanupBatch),
  };
}
