/** The sort whitelist of the admin log list: field names, accepted aliases and the SQL keys each sorts by. */

export const LOG_SORT_FIELDS = [
  'timestamp',
  'level',
  'source',
  'path',
  'method',
  'status_code',
  'duration_ms',
] as const;
export type LogSortField = (typeof LOG_SORT_FIELDS)[number];

/** Upstream's names for the same fields (its column_mapping): created_at → timestamp, logger → source. */
export const LOG_SORT_ALIASES: Readonly<Record<string, LogSortField>> = {
  created_at: 'timestamp',
  logger: 'source',
};

export const SORT_ORDERS = ['asc', 'desc'] as const;
export type SortOrder = (typeof SORT_ORDERS)[number];

/** How a key column travels in a cursor: as text, bound back with this cast. */
export type SortKeyCast = 'timestamptz' | 'text' | 'integer' | 'float8';

export interface SortKeyColumn {
  /**
   * An expression over alias `l`. Nullable columns are coalesced to a value below every real one ('' for
   * text, -1 for status and duration), so a NULL sorts first ascending and last descending, and a keyset
   * predicate is a plain row comparison. 0011_partitioned-system-logs.sql indexes these exact expressions.
   */
  expr: string;
  cast: SortKeyCast;
}

export interface SortSpec {
  /** ORDER BY columns, all in the requested direction; l.id follows as the final tie-breaker. */
  keys: readonly SortKeyColumn[];
}

const TIMESTAMP_KEY: SortKeyColumn = { expr: 'l.timestamp', cast: 'timestamptz' };
export const LOGGER_KEY: SortKeyColumn = { expr: "coalesce(l.logger, '')", cast: 'text' };

/**
 * Ties within a field are broken by logger, then time, then id (for timestamp: id). Within one level, or one
 * (level, logger) pair, each sort's index returns exactly this order (src/logs/views/log-branch-sql.ts).
 */
export const SORTS: Readonly<Record<LogSortField, SortSpec>> = {
  timestamp: { keys: [TIMESTAMP_KEY] },
  level: { keys: [{ expr: 'l.level', cast: 'text' }, LOGGER_KEY, TIMESTAMP_KEY] },
  source: { keys: [LOGGER_KEY, TIMESTAMP_KEY] },
  // Never NULL here: admin logs are the rows with a path.
  path: { keys: [{ expr: 'l.path', cast: 'text' }, LOGGER_KEY, TIMESTAMP_KEY] },
  method: { keys: [{ expr: "coalesce(l.method, '')", cast: 'text' }, LOGGER_KEY, TIMESTAMP_KEY] },
  status_code: {
    keys: [{ expr: 'coalesce(l.status_code, -1)', cast: 'integer' }, LOGGER_KEY, TIMESTAMP_KEY],
  },
  duration_ms: { keys: [{ expr: 'coalesce(l.duration_ms, -1)', cast: 'float8' }, LOGGER_KEY, TIMESTAMP_KEY] },
};

/** Renders a timestamptz as upstream's isoformat(): microseconds and an explicit UTC offset. */
export const isoUtcSql = (column: string): string =>
  `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"')`;

/** A key column as text that casts back to the identical value (timestamps keep their microseconds). */
export function keyTextSql({ expr, cast }: SortKeyColumn): string {
  return cast === 'timestamptz' ? isoUtcSql(expr) : cast === 'text' ? expr : `(${expr})::text`;
}

/** For error messages: the fields, then the aliases. */
export function describeSortFields(): string {
  const aliases = Object.entries(LOG_SORT_ALIASES)
    .map(([alias, field]) => `${alias} = ${field}`)
    .join(', ');
  return `${LOG_SORT_FIELDS.join(', ')} (aliases: ${aliases})`;
}
