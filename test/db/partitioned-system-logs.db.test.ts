import { runner } from 'node-pg-migrate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS_DIR, migrate } from '../../src/db/migrate.js';
import { withClient } from '../../src/db/pool.js';
import { createLogger } from '../../src/logger.js';
import { applyViews } from '../../src/views/apply.js';
import { VIEWS } from '../../src/views/defs/index.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

// Migration 0011 turns an existing system_logs into a weekly partitioned table without losing a row.

const logger = createLogger('silent');
let db: TestDatabase;
let userId: number;
const DAY = 86_400_000;
const ago = (days: number) => new Date(Date.now() - days * DAY).toISOString();

/** Runs the migrations after the applied ones: `count` of them, up or down. */
async function migrateSome(direction: 'up' | 'down', count: number): Promise<string[]> {
  const applied = await withClient(db.pool, (client) =>
    runner({
      dbClient: client,
      dir: MIGRATIONS_DIR,
      direction,
      count,
      migrationsTable: 'kgdb_migrations',
      noLock: true,
      checkOrder: true,
      log: () => {},
    }),
  );
  return applied.map((m) => m.name);
}

/** Every row, every column, as JSON (timestamps with their microseconds). */
async function allRows(): Promise<Record<string, unknown>[]> {
  const { rows } = await db.pool.query<{ row: Record<string, unknown> }>(
    'select to_jsonb(s) as row from system_logs s order by s.id',
  );
  return rows.map((r) => r.row);
}

const relkind = async () =>
  (
    await db.pool.query<{ k: string }>(
      `select relkind::text as k from pg_class where oid = 'system_logs'::regclass`,
    )
  ).rows[0]?.k;

let before: Record<string, unknown>[];

beforeAll(async () => {
  db = await createTestDatabase(3, 'template0');
  expect((await migrateSome('up', 10)).at(-1)).toBe('0010_login-lockout');
  // An install that served: the views and their change triggers exist before 0011 runs.
  await applyViews(db.pool, VIEWS);
  const { rows } = await db.pool.query<{ id: number }>(
    `insert into users (email, username, hashed_password) values ('m@example.org', 'm', 'x') returning id`,
  );
  userId = rows[0]?.id ?? 0;
  // Ids with gaps and out of time order, every column set on some row, NULL path and user, weeks apart, one far
  // in the past and one ahead of every partition the migration creates.
  await db.pool.query(
    `insert into system_logs (id, timestamp, level, logger, message, context, request_id, ip_address, user_agent,
                              path, method, user_id, status_code, duration_ms, error_type, error_message, stack_trace)
     select * from unnest($1::bigint[], $2::timestamptz[], $3::text[], $4::text[], $5::text[], $6::jsonb[],
                          $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::bigint[], $13::integer[],
                          $14::float8[], $15::text[], $16::text[], $17::text[])`,
    [
      [1, 2, 7, 8, 40, 41, 1000, 999],
      [ago(0.01), ago(3), ago(10), ago(24), ago(45), '2001-02-03T04:05:06.789012Z', ago(60), ago(-400)],
      ['INFO', 'ERROR', 'WARNING', 'DEBUG', 'INFO', 'CRITICAL', 'INFO', 'INFO'],
      ['kgdb.request', 'app.api', null, 'app.bg', 'kgdb.request', 'old', 'kgdb.request', 'future'],
      ['GET /a 200', 'boom', null, 'refresh', 'm', 'ancient', 'x', 'later'],
      ['{"endpoint":"/a","n":[1,2]}', '{}', null, '{"action":"refresh_view"}', null, null, null, null],
      ['r1', 'r2', null, null, 'r5', null, 'r7', null],
      ['10.0.0.1', null, null, null, '10.0.0.5', null, null, null],
      ['agent/1', null, null, null, null, null, null, null],
      ['/a', '/b', '/c', null, '/a', '/old', '/a', '/f'],
      ['GET', 'POST', null, null, 'GET', 'GET', 'GET', 'GET'],
      [userId, null, userId, null, null, null, userId, null],
      [200, 500, 404, null, 200, 503, 200, 200],
      [1.5, 30000.25, null, 812.5, 0, 2, 3, 4],
      [null, 'QueryCanceled', null, null, null, 'Old', null, null],
      [null, 'timeout', null, null, null, 'old error', null, null],
      [null, 'QueryCanceled: timeout\n    at x (y:1:2)', null, null, null, null, null, null],
    ],
  );
  // Identity-generated ids below the largest explicit one: the new sequence must start above both.
  await db.pool.query(`select setval(pg_get_serial_sequence('system_logs', 'id'), 100)`);
  await db.pool.query(
    `insert into system_logs (timestamp, level, path) select now() - g * interval '1 hour', 'INFO', '/seq'
       from generate_series(1, 50) g`,
  );
  before = await allRows();
  expect(before).toHaveLength(58);
  expect(await relkind()).toBe('r');
});
afterAll(async () => {
  await db?.drop();
});

describe('migration 0011: system_logs partitioned by week', () => {
  it('keeps every row with every column, in weekly partitions, the outliers in the default one', async () => {
    expect(await migrateSome('up', 1)).toEqual(['0011_partitioned-system-logs']);
    expect(await relkind()).toBe('p');
    expect(await allRows()).toEqual(before);
    const { rows } = await db.pool.query<{ part: string; ids: number[] }>(
      `select tableoid::regclass::text as part, array_agg(id::int order by id) as ids
         from system_logs where id in (1, 41, 999, 1000) group by 1 order by 1`,
    );
    expect(rows).toEqual([
      { part: 'system_logs_default', ids: [41, 999] },
      { part: expect.stringMatching(/^system_logs_p\d{8}$/), ids: [1000] },
      { part: expect.stringMatching(/^system_logs_p\d{8}$/), ids: [1] },
    ]);
    // Contiguous weeks from the oldest row within two years to two weeks ahead.
    const { rows: weeks } = await db.pool.query<{ n: number; gaps: number }>(
      `select count(*)::int as n,
              count(*) filter (where from_ts <> lag)::int as gaps
         from (select from_ts, lag(to_ts) over (order by from_ts) from kgdb_system_logs_partitions()
                where from_ts is not null) p`,
    );
    expect(weeks[0]?.gaps).toBe(0);
    expect(weeks[0]?.n).toBeGreaterThanOrEqual(11);
  });

  it('continues ids above the largest one, and inserts land in the current week', async () => {
    const { rows } = await db.pool.query<{ id: number; part: string }>(
      `insert into system_logs (level, path) values ('INFO', '/new'), ('INFO', '/new')
       returning id, tableoid::regclass::text as part`,
    );
    expect(rows.map((r) => r.id)).toEqual([1001, 1002]);
    const week = await db.pool.query<{ name: string }>(
      `select 'system_logs_p' || to_char(kgdb_system_logs_week(now()) at time zone 'UTC', 'YYYYMMDD') as name`,
    );
    expect(rows[0]?.part).toBe(week.rows[0]?.name);
  });

  it('keeps the foreign key to users: deleting the user clears user_id', async () => {
    await db.pool.query('delete from users where id = $1', [userId]);
    const { rows } = await db.pool.query<{ n: number }>(
      'select count(*)::int as n from system_logs where user_id is not null',
    );
    expect(rows[0]?.n).toBe(0);
    await expect(
      db.pool.query(`insert into system_logs (level, user_id) values ('INFO', $1)`, [userId]),
    ).rejects.toThrow(/foreign key/);
  });

  it('leaves the views and the change trigger as the registry applied them', async () => {
    const report = await applyViews(db.pool, VIEWS);
    expect(report.ddl).toEqual([]);
    const { rows } = await db.pool.query<{ n: number }>(
      `select count(*)::int as n from admin_logs_filtered where path = '/new'`,
    );
    expect(rows[0]?.n).toBe(2);
  });

  it('on an empty install, ids start at 1 as before', async () => {
    const empty = await createTestDatabase(2, 'template0');
    try {
      await migrate(empty.pool, logger);
      const { rows } = await empty.pool.query<{ id: number }>(
        `insert into system_logs (level) values ('INFO') returning id`,
      );
      expect(rows[0]?.id).toBe(1);
    } finally {
      await empty.drop();
    }
  });

  it('migrates back down to one table with the same rows, and up again', async () => {
    const now = await allRows();
    expect(await migrateSome('down', 1)).toEqual(['0011_partitioned-system-logs']);
    expect(await relkind()).toBe('r');
    expect(await allRows()).toEqual(now);
    expect((await applyViews(db.pool, VIEWS)).ddl).toEqual([]);
    expect(await migrateSome('up', 1)).toEqual(['0011_partitioned-system-logs']);
    expect(await allRows()).toEqual(now);
    // The migrations after it apply on top.
    expect((await migrate(db.pool, logger)).every((name) => name > '0011')).toBe(true);
    expect(await allRows()).toEqual(now);
  });
});
