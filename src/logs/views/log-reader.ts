import type { QueryResultRow } from 'pg';
import type { Pool, Queryable } from '../../db/pool.js';
import { createStatementNamer, type StatementNamer } from '../../db/prepared.js';
import { encodeCursor } from '../log-cursor.js';
import { dropPartitionsBefore } from '../log-partitions.js';
import type {
  CleanupResult,
  LogEntry,
  LogPage,
  LogQuery,
  LogRepository,
  LogStatistics,
} from '../log-repository.js';
import { type BranchLists, buildBranchListsSql, needsBranchLists, toBranchLists } from './log-branch-sql.js';
import { buildLogCountSql, buildLogEstimateSql, buildLogPageSql, capTotal } from './log-list-sql.js';
import type { LogRelation, SqlQuery } from './log-sql-base.js';
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

/**
 * Distinct page, count and list texts run as named statements per connection (src/db/prepared.ts): parsed,
 * rewritten (the view, several times over) and planned against every partition once, then only bound and run,
 * which saves more than most of these statements take to run. Their values are always parameters, so a shape's
 * text never changes; its generic plan is the one test/logs/log-plans-5m.db.test.ts checks. Past this many
 * texts, new ones run unnamed.
 */
const NAMED_STATEMENTS = 64;

/** Runs a statement of the reader, named when its namer still has room. */
type Run = <R extends QueryResultRow>(sql: SqlQuery) => Promise<{ rows: R[] }>;

const runner =
  (db: Queryable, names: StatementNamer): Run =>
  (sql) =>
    db.query({
      name: sql.prepared === false ? undefined : names.nameFor(sql.text),
      text: sql.text,
      values: sql.values,
    });

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

async function loadBranchLists(run: Run, rel: LogRelation, q: LogQuery): Promise<BranchLists> {
  const { rows } = await run<Parameters<typeof toBranchLists>[0]>(buildBranchListsSql(rel, q));
  const row = rows[0];
  return row
    ? toBranchLists(row)
    : { levels: null, pairs: null, matchedLoggers: null, leadValues: null, inRange: null };
}

type EstimateRow = { 'QUERY PLAN': [{ Plan: { 'Plan Rows': number } }] };

async function queryPage(db: Queryable, run: Run, rel: LogRelation, q: LogQuery): Promise<LogPage> {
  const lists = needsBranchLists(q) ? await loadBranchLists(run, rel, q) : undefined;
  const page = buildLogPageSql(rel, q, lists);
  const count = buildLogCountSql(rel, q, lists);
  // The estimate is only used when the count reaches the cap, but planned alongside rather than after it (it is
  // planning only, no rows): the broad filters that need it then wait for one round trip less.
  const explain = buildLogEstimateSql(rel, q, lists);
  const [rowsResult, countResult, explained] = await Promise.all([
    run<LogRow>(page),
    run<{ n: number }>(count),
    db.query<EstimateRow>(explain.text, explain.values),
  ]);
  const counted = countResult.rows[0]?.n ?? 0;
  const estimate = explained.rows[0]?.['QUERY PLAN'][0]?.Plan['Plan Rows'];
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

/** Deletes the rows matching `predicate` (over alias s) in statements of at most `batch` rows each. */
async function deleteInBatches(db: Queryable, predicate: string, values: unknown[], batch: number) {
  // (timestamp, id) is the primary key; the timestamp bound prunes the partitions each statement touches.
  const text = `delete from system_logs d
    where (d.timestamp, d.id) in (select s.timestamp, s.id from system_logs s where ${predicate} limit $${values.length + 1}::integer)`;
  let deleted = 0;
  for (;;) {
    const result = await db.query(text, [...values, batch]);
    deleted += result.rowCount ?? 0;
    if ((result.rowCount ?? 0) < batch) return deleted;
  }
}

/**
 * Deletes from system_logs itself (a view is not where rows are deleted). Whole weekly partitions older than
 * the cutoff are dropped (log-partitions.ts); then the rows before the cutoff that are left (in the one week
 * straddling it, in the default partition, or in a partition that could not be dropped) are deleted in batches
 * of `batch` rows, each its own statement, until a batch comes back short. days = 0 deletes every row that
 * existed when the cleanup started: every row older than `now`, and the newer ones (future-dated) with an id no
 * larger than the largest id among them then, so rows the request log writes meanwhile cannot keep it going.
 */
async function cleanup(db: Pool, days: number, now: Date, batch: number): Promise<CleanupResult> {
  const cutoff = days === 0 ? null : new Date(now.getTime() - days * 86_400_000).toISOString();
  const until = cutoff ?? now.toISOString();
  // days = 0: the future-dated rows present now (a range of the primary key, normally empty).
  const newest =
    cutoff === null
      ? (
          await db.query<{ max: number | null }>(
            'select max(id) as max from system_logs where timestamp >= $1::timestamptz',
            [until],
          )
        ).rows[0]?.max
      : null;
  let deleted = await dropPartitionsBefore(db, until);
  deleted += await deleteInBatches(db, 's.timestamp < $1::timestamptz', [until], batch);
  if (newest != null) {
    deleted += await deleteInBatches(
      db,
      's.timestamp >= $1::timestamptz and s.id <= $2::bigint',
      [until, newest],
      batch,
    );
  }
  return { logs_deleted: deleted, cutoff };
}

/**
 * The view repository's reads and the cleanup over `rel`; the legacy arm is its own port (legacy-log-*.ts).
 * Reads go to `reads` (a read replica's router, src/db/read-pool.ts), the cleanup always to `db`.
 */
export function createLogReader(
  db: Pool,
  rel: LogRelation,
  { cleanupBatch = CLEANUP_BATCH, reads = db }: { cleanupBatch?: number; reads?: Queryable } = {},
): LogRepository {
  const run = runner(reads, createStatementNamer('kgdb_log', NAMED_STATEMENTS));
  return {
    query: (q) => queryPage(reads, run, rel, q),
    statistics: (hours, now) => statistics(reads, rel, hours, now),
    cleanup: (days, now) => cleanup(db, days, now, cleanupBatch),
  };
}
