import { containsPattern } from '../like-pattern.js';
import type { LogQuery } from '../log-repository.js';
import type { LogSortField } from '../log-sort.js';

/*
 * Upstream's admin-log list, ported on its own: `select … from system_logs where <filters> order by <column>
 * <dir> limit/offset`, and a `count(*)` with the same filters. It reads the table, never a view, and shares no
 * SQL with the view repository, so the rollout experiment compares two implementations, not one twice.
 * Columns are qualified (`s.`): in ORDER BY a bare `timestamp` would name the rendered text output column.
 */

export interface LegacyStatement {
  text: string;
  values: unknown[];
}

/** One ORDER BY column: the expression, its text in a cursor, and the type that text is bound back as. */
interface OrderColumn {
  expr: string;
  text: string;
  cast: 'timestamptz' | 'text' | 'integer' | 'float8';
}

/** Upstream's isoformat(): microseconds and an explicit +00:00, whatever the session time zone. */
const ISO_TIMESTAMP = `to_char(s.timestamp at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"')`;

// Upstream sorted NULLs wherever PostgreSQL puts them and broke no ties; kgdb's contract is a total order
// with NULL as the lowest value (NULL text ≡ '', NULL status and duration ≡ -1), followed here.
const TIMESTAMP: OrderColumn = { expr: 's.timestamp', text: ISO_TIMESTAMP, cast: 'timestamptz' };
const LOGGER: OrderColumn = { expr: "coalesce(s.logger, '')", text: "coalesce(s.logger, '')", cast: 'text' };

/** The sort whitelist: each field's columns, before id. Ties go to logger, then time (timestamp: id). */
const ORDER_COLUMNS: Readonly<Record<LogSortField, readonly OrderColumn[]>> = {
  timestamp: [TIMESTAMP],
  level: [{ expr: 's.level', text: 's.level', cast: 'text' }, LOGGER, TIMESTAMP],
  source: [LOGGER, TIMESTAMP],
  // Admin logs always have a path.
  path: [{ expr: 's.path', text: 's.path', cast: 'text' }, LOGGER, TIMESTAMP],
  method: [
    { expr: "coalesce(s.method, '')", text: "coalesce(s.method, '')", cast: 'text' },
    LOGGER,
    TIMESTAMP,
  ],
  status_code: [
    { expr: 'coalesce(s.status_code, -1)', text: 'coalesce(s.status_code, -1)::text', cast: 'integer' },
    LOGGER,
    TIMESTAMP,
  ],
  duration_ms: [
    { expr: 'coalesce(s.duration_ms, -1)', text: 'coalesce(s.duration_ms, -1)::text', cast: 'float8' },
    LOGGER,
    TIMESTAMP,
  ],
};

/** An admin log row, under the API's names. */
const SELECT_LIST = `s.id, ${ISO_TIMESTAMP} as timestamp, s.level, s.logger as source, s.message, s.request_id,
       s.user_id, s.ip_address, s.user_agent, s.path, s.method, s.status_code, s.duration_ms, s.error_type,
       s.error_message, s.stack_trace, coalesce(s.context, '{}'::jsonb) as context`;

/** Hands out `$n::type` placeholders in order: every value is bound, none is spliced into the SQL. */
function binder(values: unknown[]) {
  return (value: unknown, cast: string): string => {
    values.push(value);
    return `$${values.length}::${cast}`;
  };
}

/** Upstream's filters, plus kgdb's rule that admin logs are request log rows (they have a path). */
function filterSql(q: LogQuery, bind: (value: unknown, cast: string) => string): string[] {
  const where = ['s.path is not null'];
  if (q.level !== undefined) where.push(`s.level = ${bind(q.level, 'text')}`);
  if (q.source !== undefined) where.push(`s.logger ilike ${bind(containsPattern(q.source), 'text')}`);
  if (q.requestId !== undefined) where.push(`s.request_id = ${bind(q.requestId, 'text')}`);
  if (q.startTime !== undefined) where.push(`s.timestamp >= ${bind(q.startTime, 'timestamptz')}`);
  if (q.endTime !== undefined) where.push(`s.timestamp <= ${bind(q.endTime, 'timestamptz')}`);
  return where;
}

/**
 * The page: limit + 1 rows (the extra one says whether more follow), at the offset, after the cursor row when
 * there is one. Every column, then id, runs in the requested direction, so a cursor continues the order;
 * `sort_key` is a row's order columns as text, the keys of the cursor naming it.
 */
export function legacyPageSql(q: LogQuery): LegacyStatement {
  const values: unknown[] = [];
  const bind = binder(values);
  const columns = ORDER_COLUMNS[q.sortBy];
  const where = filterSql(q, bind);
  if (q.after) {
    const after = q.after;
    const bounds = columns.map((c, n) => bind(after.keys[n], c.cast));
    const op = q.sortOrder === 'asc' ? '>' : '<';
    where.push(
      `(${columns.map((c) => c.expr).join(', ')}, s.id) ${op} (${bounds.join(', ')}, ${bind(after.id, 'bigint')})`,
    );
  }
  const dir = q.sortOrder === 'asc' ? 'asc' : 'desc';
  const text = `select ${SELECT_LIST},
       array[${columns.map((c) => c.text).join(', ')}]::text[] as sort_key
  from system_logs s
 where ${where.join('\n   and ')}
 order by ${[...columns.map((c) => c.expr), 's.id'].map((e) => `${e} ${dir}`).join(', ')}
 limit ${bind(q.limit + 1, 'integer')} offset ${bind(q.offset, 'bigint')}`;
  return { text, values };
}

/** Every matching row, counted exactly (upstream's second statement; the cursor does not narrow it). */
export function legacyCountSql(q: LogQuery): LegacyStatement {
  const values: unknown[] = [];
  const where = filterSql(q, binder(values));
  return {
    text: `select count(*) as total\n  from system_logs s\n where ${where.join('\n   and ')}`,
    values,
  };
}
