import type { PoolClient } from '../../src/db/pool.js';

/**
 * Admin-log rows generated inside PostgreSQL, fast enough for a test at millions of rows, where the demo
 * generator's COPY path spends minutes: the demo's mix in miniature — request rows from a dozen routes and
 * loggers (a third written by the request middleware), thousands of distinct paths, levels following the status,
 * log-normal durations, 8 % background lines without a path — spread evenly over the `days` before `now`, ids
 * ascending with time. Only the columns the admin pages filter and sort on are filled. Rows `first`..`last` of
 * `rows` (1-based): two connections can each write a half. random() after setseed: the same rows every run.
 */
export async function insertGeneratedLogs(
  client: PoolClient,
  rows: number,
  now: Date,
  { first = 1, last = rows, days = 30 }: { first?: number; last?: number; days?: number } = {},
): Promise<void> {
  await client.query('select setseed($1::float8)', [(0.42 * first) / rows]);
  await client.query(
    `insert into system_logs (timestamp, level, logger, request_id, path, method, status_code, duration_ms)
     select $2::timestamptz - $3::integer * interval '1 day'
              + (g - 1 + d1) / $1::integer * $3::integer * interval '1 day',
            case when bg then (array['INFO', 'DEBUG', 'INFO', 'WARNING'])[1 + g % 4]
                 when status >= 500 then 'ERROR' when status >= 400 then 'WARNING'
                 when r in (6, 7) then 'DEBUG' else 'INFO' end,
            case when bg then (array['app.views.refresh', 'app.cache', 'app.rollout.guard', 'app.db.pool'])[1 + g % 4]
                 when middleware then 'app.middleware.request'
                 else (array['app.api.genes', 'app.api.genes', 'app.api.genes', 'app.api.statistics',
                             'app.api.statistics', 'app.api.health', 'app.api.metrics', 'app.api.auth',
                             'app.api.admin.logs', 'app.api.admin.flags', 'app.api.admin.views'])[r] end,
            case when not bg then 'r' || g end,
            case when bg then null
                 when r = 2 then '/api/genes/G' || symbol
                 when r = 3 then '/api/genes/G' || symbol || '/evidence'
                 else (array['/api/genes/', '', '', '/api/statistics/summary', '/api/statistics/source-overlaps',
                             '/health', '/metrics', '/api/auth/login', '/api/admin/logs/',
                             '/api/admin/feature-flags/', '/api/admin/views/refresh'])[r] end,
            case when bg then null when r in (8, 10, 11) then 'POST' else 'GET' end,
            case when not bg then status end,
            round((array[35, 12, 25, 80, 120, 2, 4, 60, 40, 20, 900])[r]
                  * exp(0.6 * sqrt(-2 * ln(1 - d1)) * cos(2 * pi() * d2)) * 100) / 100
       from (select g, d1, d2, bg, middleware, r, symbol,
                    case when outcome < 0.002 then 500 when outcome < 0.003 then 503
                         when r in (2, 3) and symbol >= 4750 then 404
                         when r in (1, 8, 9) and outcome < 0.02 then 400 else 200 end as status
               from (select g, random() as d1, random() as d2, random() < 0.08 as bg, random() < 0.35 as middleware,
                            random() as outcome, floor(random() * 5000)::integer as symbol,
                            -- Route r's share is the gap after its threshold; the last gap is route 1's too.
                            1 + (width_bucket(random(), array[0, 0.28, 0.44, 0.54, 0.59, 0.61, 0.81, 0.85, 0.88,
                                                              0.893, 0.897, 0.898]::float8[]) - 1) % 11 as r
                       from generate_series($4::integer, $5::integer) g) draws) rows`,
    [rows, now, days, first, last],
  );
}
