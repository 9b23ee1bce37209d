import type { LogRelation, SqlQuery } from './log-sql-base.js';

/** Levels counted as errors by the statistics (Python logging's two top levels). */
const ERROR_LEVELS = ['ERROR', 'CRITICAL'] as const;

const HOUR = `date_trunc('hour', l.timestamp at time zone 'UTC')`;

const WINDOW = 'l.timestamp >= $1::timestamptz and l.timestamp <= $2::timestamptz';

/**
 * The counts by level, logger, path and status category in one pass over the window: the rows are first
 * aggregated per (level, logger, path, category), a hash aggregate with a few thousand groups even for a week
 * of millions of requests, and each dimension is rolled up from those groups (one grouping set each, plus the
 * grand total). Grouping sets straight over the rows, or with the hour as a fifth key, made PostgreSQL expect
 * too many groups and sort the week's rows on disk: ~2.5 s at 5 M rows. `dim` names a row's set.
 */
export function buildLogCountsSql(rel: LogRelation, start: string, end: string): SqlQuery {
  const text = `
with fine as (
  select l.level, l.logger, l.path, ${rel.statusCategory} as category,
         count(*) as n,
         count(l.status_code) as with_status,
         count(*) filter (where l.level = any($3::text[])) as errors,
         count(*) filter (where l.status_code >= 500) as server_errors,
         sum(l.duration_ms) as duration_sum,
         count(l.duration_ms) as duration_count
    from ${rel.from}
   where ${WINDOW}
   group by 1, 2, 3, 4)
select case when grouping(f.level) = 0 then 'level'
            when grouping(f.logger) = 0 then 'source'
            when grouping(f.path) = 0 then 'path'
            when grouping(f.category) = 0 then 'category'
            else 'all' end as dim,
       f.level, f.logger as source, f.path, f.category,
       sum(f.n)::int as n,
       sum(f.with_status)::int as with_status,
       sum(f.errors)::int as errors,
       sum(f.server_errors)::int as server_errors,
       (sum(f.duration_sum) / nullif(sum(f.duration_count), 0))::float8 as avg_duration_ms
  from fine f
 group by grouping sets ((f.level), (f.logger), (f.path), (f.category), ())`;
  return { text, values: [start, end, ERROR_LEVELS] };
}

/** Requests and errors per UTC hour of the window (upstream's error_timeline). */
export function buildLogTimelineSql(rel: LogRelation, start: string, end: string): SqlQuery {
  const text = `
select to_char(${HOUR}, 'YYYY-MM-DD"T"HH24:00:00+00:00') as hour,
       count(*)::int as total,
       (count(*) filter (where l.level = any($3::text[])))::int as errors
  from ${rel.from}
 where ${WINDOW}
 group by ${HOUR}`;
  return { text, values: [start, end, ERROR_LEVELS] };
}

/** Duration percentiles over the window (percentile_cont: interpolated, NULL durations ignored). */
export function buildLogDurationsSql(rel: LogRelation, start: string, end: string): SqlQuery {
  const text = `
select count(l.duration_ms)::int as count,
       percentile_cont(array[0.5, 0.95, 0.99]::float8[]) within group (order by l.duration_ms) as percentiles,
       avg(l.duration_ms)::float8 as avg,
       max(l.duration_ms)::float8 as max
  from ${rel.from}
 where ${WINDOW}`;
  return { text, values: [start, end] };
}

/**
 * The size of system_logs (every row, with or without a path: this is storage), summed over its partitions
 * with their indexes and TOAST (the partitioned table itself holds nothing). Rows are counted exactly while
 * the table is small; past ESTIMATE_ABOVE rows the partitions' reltuples are used, as count(*) over millions
 * of rows would dominate the endpoint.
 */
const ESTIMATE_ABOVE = 1_000_000;
export function buildLogStorageSql(): SqlQuery {
  const text = `
with t as (
  select sum(pg_total_relation_size(p.relid))::float8 as bytes,
         coalesce(sum(greatest(c.reltuples, 0)) filter (where p.isleaf), 0)::float8 as reltuples
    from pg_partition_tree('system_logs'::regclass) p
    join pg_class c on c.oid = p.relid)
select t.bytes as table_bytes,
       pg_size_pretty(t.bytes::bigint) as table_size,
       case when t.reltuples >= $1::float8 then t.reltuples
            else (select count(*) from system_logs)::float8 end as total_rows,
       t.reltuples < $1::float8 as total_rows_exact
  from t`;
  return { text, values: [ESTIMATE_ABOVE] };
}
