import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createLogReader } from '../../src/logs/views/log-reader.js';
import { VIEW_LOG_RELATION } from '../../src/logs/views/view-log-repository.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { ensureLogView, insertLogs } from './log-fixture.js';

// system_logs is partitioned by week: partitions are created ahead in PostgreSQL, and the cleanup drops whole
// weeks, deleting rows only where a week straddles the cutoff (and in the default partition).

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
  await ensureLogView(db.pool);
});
afterAll(async () => {
  await db?.drop();
});

/** Weeks of 2025 (Mondays): far from the weeks the template has around today. */
const WEEK = (day: string) => `2025-${day}T00:00:00Z`;

const ensure = async (from: string, to: string) =>
  (
    await db.pool.query<{ created: number }>(
      'select kgdb_system_logs_ensure_partitions($1::timestamptz, $2::timestamptz) as created',
      [from, to],
    )
  ).rows[0]?.created;

const partitions = async () =>
  (
    await db.pool.query<{ name: string }>(
      `select name from kgdb_system_logs_partitions() where from_ts < '2026-01-01' or from_ts is null order by name`,
    )
  ).rows.map((r) => r.name);

const partitionOf = async (message: string) =>
  (
    await db.pool.query<{ part: string }>(
      'select tableoid::regclass::text as part from system_logs where message = $1',
      [message],
    )
  ).rows[0]?.part;

const countRows = async () =>
  (await db.pool.query<{ n: number }>('select count(*)::int as n from system_logs')).rows[0]?.n;

describe('creating partitions', () => {
  beforeEach(async () => {
    await db.pool.query('truncate system_logs');
  });

  it('creates each missing week once, whoever asks, and moves the rows of a new week out of the default partition', async () => {
    await insertLogs(db.pool, [
      { timestamp: '2025-03-04T12:00:00.5Z', message: 'early', path: '/a' },
      { timestamp: WEEK('03-12'), message: 'later', path: '/a' },
    ]);
    expect(await partitionOf('early')).toBe('system_logs_default');
    // Two instances at once: the advisory lock makes one wait, and it then finds the weeks there.
    const created = await Promise.all([
      ensure(WEEK('03-04'), WEEK('03-12')),
      ensure(WEEK('03-05'), WEEK('03-10')),
    ]);
    expect(created.sort()).toEqual([0, 2]);
    expect(await ensure(WEEK('03-03'), WEEK('03-16'))).toBe(0);
    expect(await partitionOf('early')).toBe('system_logs_p20250303');
    expect(await partitionOf('later')).toBe('system_logs_p20250310');
    expect(await partitions()).toEqual([
      'system_logs_default',
      'system_logs_p20250303',
      'system_logs_p20250310',
    ]);
    // A week starts on Monday 00:00 UTC and ends before the next.
    const { rows } = await db.pool.query(
      `select from_ts, to_ts from kgdb_system_logs_partitions() where name = 'system_logs_p20250303'`,
    );
    expect(rows).toEqual([{ from_ts: new Date(WEEK('03-03')), to_ts: new Date(WEEK('03-10')) }]);
  });

  it('refuses a range of more than 120 weeks rather than creating thousands of partitions', async () => {
    await expect(ensure('1990-01-01', '2025-01-01')).rejects.toThrow(/at most 120 weeks/);
  });
});

describe('cleanup by partition', () => {
  const NOW = new Date('2025-06-18T12:00:00Z'); // a Wednesday
  const reader = () => createLogReader(db.pool, VIEW_LOG_RELATION, { cleanupBatch: 2 });

  beforeEach(async () => {
    await db.pool.query('truncate system_logs');
    await ensure(WEEK('05-19'), WEEK('06-18'));
    // Weeks of May 19, May 26, June 2, June 9 and June 16, and two rows older than every partition.
    await insertLogs(db.pool, [
      { timestamp: WEEK('01-02'), message: 'default, old', path: null },
      { timestamp: WEEK('04-01'), message: 'default, old too', path: '/a' },
      { timestamp: WEEK('05-20'), message: 'w0519', path: '/a' },
      { timestamp: WEEK('05-21'), message: 'w0519 b', path: null },
      { timestamp: WEEK('05-27'), message: 'w0526', path: '/a' },
      { timestamp: WEEK('06-03'), message: 'w0602 before', path: '/a' },
      { timestamp: WEEK('06-05'), message: 'w0602 after', path: '/a' },
      { timestamp: WEEK('06-10'), message: 'w0609', path: '/a' },
      { timestamp: WEEK('06-17'), message: 'w0616', path: '/a' },
    ]);
  });

  it('drops the weeks before the cutoff, and deletes by row in the week across it and in the default partition', async () => {
    // 14 days before June 18 12:00 is June 4 12:00: inside the week of June 2.
    expect(await reader().cleanup(14, NOW)).toEqual({ logs_deleted: 6, cutoff: '2025-06-04T12:00:00.000Z' });
    expect(await partitions()).toEqual([
      'system_logs_default',
      'system_logs_p20250602',
      'system_logs_p20250609',
      'system_logs_p20250616',
    ]);
    const { rows } = await db.pool.query<{ message: string }>(
      'select message from system_logs order by timestamp',
    );
    expect(rows.map((r) => r.message)).toEqual(['w0602 after', 'w0609', 'w0616']);
  });

  it('deletes by row when the lock to drop a week is not granted in time; a later cleanup drops the emptied weeks', async () => {
    const client = await db.pool.connect();
    try {
      // A long read of system_logs: DROP must wait for it, and gives up after its lock timeout.
      await client.query('begin');
      await client.query('select count(*) from system_logs');
      expect((await reader().cleanup(14, NOW)).logs_deleted).toBe(6);
      expect(await partitions()).toContain('system_logs_p20250519');
    } finally {
      await client.query('rollback');
      client.release();
    }
    expect(await countRows()).toBe(3);
    expect(await reader().cleanup(14, NOW)).toMatchObject({ logs_deleted: 0 });
    expect(await partitions()).not.toContain('system_logs_p20250519');
  });

  it('days = 0 deletes every row there was, the partitions before now with them, and future-dated rows too', async () => {
    await insertLogs(db.pool, [{ timestamp: '2031-01-01T00:00:00Z', message: 'future', path: '/a' }]);
    expect(await reader().cleanup(0, NOW)).toEqual({ logs_deleted: 10, cutoff: null });
    expect(await countRows()).toBe(0);
    // The week holding `now` stays: the request log is writing into it.
    expect(await partitions()).toEqual(['system_logs_default', 'system_logs_p20250616']);
  });
});
