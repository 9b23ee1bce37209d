import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app/build-app.js';
import type { Composition } from '../../src/app/compose.js';
import type { Queryable } from '../../src/db/pool.js';
import {
  createRequestLogWriter,
  type RequestLogRow,
  type RequestLogWriter,
} from '../../src/logs/request-log/request-log.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import { addUser, loginAs } from '../auth/auth-test-kit.js';
import { composeTestApp } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { tokenHeaders } from './log-fixture.js';

// The server writes its own request log into system_logs off the request path,
// through a bounded queue flushed with one multi-row INSERT; a full queue drops and counts; rows the database
// refused while unavailable are kept (up to the bound) and written once it is back (README "Decisions", outages).

let db: TestDatabase;
let composition: Composition;

beforeAll(async () => {
  db = await createTestDatabase();
  composition = await composeTestApp(db.pool);
});
afterAll(async () => {
  await composition?.app.close();
  await db?.drop();
});

/**
 * The production app's parts with the writer under test as its request log (flush interval, capacity or
 * database of the test's choosing); routes, auth and arms stay the composed ones. Closing it closes the writer.
 */
const appWith = (writer: RequestLogWriter) => buildApp({ ...composition.parts, requestLog: writer });

interface StoredRow {
  level: string;
  logger: string;
  path: string;
  method: string;
  status_code: number;
  duration_ms: number;
  request_id: string;
  user_id: number | null;
  ip_address: string | null;
  user_agent: string | null;
  context: { endpoint: string | null; url: string };
}

const row: RequestLogRow = {
  timestamp: new Date('2026-10-01T00:00:00.123Z'),
  level: 'INFO',
  logger: 'kgdb.request',
  message: 'GET /x 200',
  context: { endpoint: '/x' },
  request_id: 'r1',
  ip_address: '10.0.0.1',
  user_agent: null,
  path: '/x',
  method: 'GET',
  user_id: null,
  status_code: 200,
  duration_ms: 1.5,
};

/** What node-postgres rejects with when nothing listens on the database's port. */
const refused = () =>
  Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), {
    code: 'ECONNREFUSED',
    syscall: 'connect',
  });

/**
 * The test database behind a switch: while `down`, every statement is refused as by a stopped server; `hold`
 * keeps the next statement pending until `release()` lets it fail that way; `broken` fails it as a bad row.
 */
function switchable(db: Queryable) {
  let held: (() => void) | undefined;
  const state = {
    down: false,
    /** Statements fail as a bad row would (not an outage). */
    broken: false,
    hold: false,
    release: () => held?.(),
    db: {
      query: ((text: string, values: unknown[]) => {
        if (state.hold) {
          state.hold = false;
          return new Promise((_resolve, reject) => {
            held = () => reject(refused());
          });
        }
        if (state.broken) return Promise.reject(new Error('value too long for type character varying(64)'));
        return state.down ? Promise.reject(refused()) : db.query(text, values);
      }) as Queryable['query'],
    },
  };
  return state;
}

const rowNamed = (id: string): RequestLogRow => ({ ...row, request_id: id });

/** The test database, recording each statement's text. */
function recordingDb(): { statements: string[]; spy: Queryable } {
  const statements: string[] = [];
  const spy: Queryable = {
    query: ((text: string, values: unknown[]) => {
      statements.push(text);
      return db.pool.query(text, values);
    }) as Queryable['query'],
  };
  return { statements, spy };
}

const requestRows = async () =>
  (
    await db.pool.query<StoredRow>(
      `select level, logger, path, method, status_code, duration_ms, request_id, user_id, ip_address, user_agent,
              context
         from system_logs where logger = 'kgdb.request' order by id`,
    )
  ).rows;

describe('request log', () => {
  it('records each request after a flush: route template, status, level, duration, request id, user', async () => {
    await db.pool.query('delete from system_logs');
    // No timer flush during the test: the rows must appear only when flushed.
    const writer = createRequestLogWriter({ db: db.pool, flushIntervalMs: 3_600_000 });
    const app = await appWith(writer);
    const { user, password } = await addUser(db.pool, 'admin');
    const jwt = await loginAs(app, user.username, password);
    const admin = await tokenHeaders(db.pool, 'admin');
    await app.inject({
      method: 'GET',
      url: '/api/admin/logs/?limit=5',
      headers: { authorization: `Bearer ${jwt}` },
    });
    await app.inject({ method: 'GET', url: '/api/admin/logs/statistics', headers: admin });
    await app.inject({ method: 'GET', url: '/api/admin/logs/?level=loud', headers: admin });
    await app.inject({ method: 'GET', url: '/api/admin/logs/', headers: { 'user-agent': 'probe/1.0' } });
    await app.inject({ method: 'GET', url: '/no/such/route?x=1' });
    await app.inject({ method: 'GET', url: '/health' }); // skipped: polled by load balancers
    expect(await requestRows()).toEqual([]);

    await writer.flush();
    const rows = await requestRows();
    // The login itself is a request too.
    expect(rows.map((r) => [r.method, r.path, r.status_code, r.level])).toEqual([
      ['POST', '/api/auth/login', 200, 'INFO'],
      // The route template, as Fastify registered it (prefix '/api/admin/logs' + '/', trailing slash ignored).
      ['GET', '/api/admin/logs', 200, 'INFO'],
      ['GET', '/api/admin/logs/statistics', 200, 'INFO'],
      ['GET', '/api/admin/logs', 400, 'WARNING'],
      ['GET', '/api/admin/logs', 401, 'WARNING'],
      ['GET', '/no/such/route', 404, 'WARNING'],
    ]);
    expect(rows[1]?.user_id).toBe(user.id); // a JWT names its user
    expect(rows[2]?.user_id).toBeNull(); // an API token belongs to no user
    expect(rows[4]?.user_agent).toBe('probe/1.0');
    expect(rows[5]?.context).toEqual({ endpoint: null, url: '/no/such/route?x=1' });
    expect(rows[1]?.context.endpoint).toBe('/api/admin/logs');
    expect(new Set(rows.map((r) => r.request_id)).size).toBe(rows.length);
    for (const r of rows) {
      expect(r.request_id).toMatch(/^[0-9a-f-]{36}$/);
      expect(r.duration_ms).toBeGreaterThanOrEqual(0);
      expect(r.ip_address).toBe('127.0.0.1');
    }
    expect(writer.stats()).toMatchObject({ enqueued: 6, written: 6, dropped: 0, failed: 0, queued: 0 });

    // They are admin logs like any other: the list endpoint finds them by request_id.
    const byId = await app.inject({
      method: 'GET',
      url: `/api/admin/logs/?request_id=${rows[5]?.request_id}`,
      headers: admin,
    });
    expect(byId.json().logs).toMatchObject([
      { path: '/no/such/route', status_code: 404, source: 'kgdb.request' },
    ]);

    // Closing the app flushes the tail.
    await app.inject({ method: 'GET', url: '/api/admin/logs/?limit=1', headers: admin });
    await app.close();
    expect(await requestRows()).toHaveLength(8);
    expect(writer.stats()).toMatchObject({ written: 8, queued: 0 });
  });

  it('flushes on its own every interval, in one INSERT per flush', async () => {
    await db.pool.query('delete from system_logs');
    const { statements, spy } = recordingDb();
    const writer = createRequestLogWriter({ db: spy, flushIntervalMs: 50 });
    const app = await appWith(writer);
    await Promise.all(Array.from({ length: 25 }, () => app.inject({ method: 'GET', url: '/nope' })));
    // No flush() here: the timer alone must write them. Wait for the rows, not for a time.
    for (const t0 = Date.now(); writer.stats().written < 25; ) {
      if (Date.now() - t0 > 30_000) throw new Error(`the timer wrote ${writer.stats().written} of 25 rows`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(await requestRows()).toHaveLength(25);
    // Every flush is one statement, however many rows it carries (how many ticks 25 requests span is the
    // scheduler's business, so the count is not asserted).
    expect(statements.length).toBe(writer.stats().flushes);
    expect(statements.every((text) => text.includes('from unnest('))).toBe(true);
    await app.close();
  });

  it('writes everything queued in one INSERT', async () => {
    await db.pool.query('delete from system_logs');
    const { statements, spy } = recordingDb();
    // An interval no test outlives: only the explicit flush writes.
    const writer = createRequestLogWriter({ db: spy, flushIntervalMs: 3_600_000 });
    const app = await appWith(writer);
    await Promise.all(Array.from({ length: 25 }, () => app.inject({ method: 'GET', url: '/nope' })));
    await writer.flush();
    expect(statements).toHaveLength(1);
    expect(await requestRows()).toHaveLength(25);
    await app.close();
  });

  it('drops and counts when the queue is full, and requests never wait on the database', async () => {
    // A database that never answers: the first flush hangs forever, so the queue only fills.
    const hung: Queryable = { query: (() => new Promise(() => {})) as Queryable['query'] };
    const writer = createRequestLogWriter({ db: hung, capacity: 5, flushIntervalMs: 10, closeTimeoutMs: 50 });
    const app = await appWith(writer);
    await app.inject({ method: 'GET', url: '/nope' });
    // The timer takes that row into a hung INSERT: wait until it has left the queue.
    for (const t0 = Date.now(); writer.stats().queued > 0; ) {
      if (Date.now() - t0 > 30_000) throw new Error('the first row never left the queue');
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    // Had a request waited on the database, these would never answer (the INSERT never returns).
    const replies = await Promise.all(
      Array.from({ length: 40 }, () => app.inject({ method: 'GET', url: '/nope' })),
    );
    expect(replies.every((r) => r.statusCode === 404)).toBe(true);
    expect(writer.stats()).toMatchObject({ enqueued: 6, dropped: 35, written: 0, queued: 5, flushes: 0 });
    await app.close(); // bounded by closeTimeoutMs although the INSERT never returns
    expect(writer.stats()).toMatchObject({ dropped: 40, queued: 0 });
    expect(writer.enqueue({} as RequestLogRow)).toBe(false);
  });

  it('counts a failed INSERT and keeps going; a deleted user does not fail the batch', async () => {
    await db.pool.query('delete from system_logs');
    const errors: string[] = [];
    const failing = createRequestLogWriter({
      db: { query: (async () => Promise.reject(new Error('connection refused'))) as Queryable['query'] },
      onFlushError: (err, rows) => errors.push(`${err.message} (${rows})`),
    });
    failing.enqueue(row);
    failing.enqueue(row);
    await failing.flush();
    expect(failing.stats()).toMatchObject({ enqueued: 2, failed: 2, flush_errors: 1, written: 0 });
    expect(errors).toEqual(['connection refused (2)']);
    await failing.close();

    const writer = createRequestLogWriter({ db: db.pool });
    writer.enqueue({ ...row, user_id: 987_654 });
    await writer.close();
    const { rows } = await db.pool.query('select user_id, timestamp, context from system_logs');
    expect(rows).toEqual([
      { user_id: null, timestamp: new Date('2026-10-01T00:00:00.123Z'), context: { endpoint: '/x' } },
    ]);
  });

  it('an outage keeps the rows: a batch refused for an unavailable database is written, in order, once it is back', async () => {
    await db.pool.query('delete from system_logs');
    const pg = switchable(db.pool);
    const errors: string[] = [];
    const writer = createRequestLogWriter({
      db: pg.db,
      capacity: 5,
      flushIntervalMs: 3_600_000,
      onFlushError: (err) => errors.push(err.message),
    });
    for (const id of ['r1', 'r2', 'r3']) writer.enqueue(rowNamed(id));
    pg.down = true;
    await writer.flush();
    expect(writer.stats()).toMatchObject({ requeued: 3, queued: 3, written: 0, failed: 0, dropped: 0 });
    // Still bounded while down: the sixth row does not fit.
    for (const id of ['r4', 'r5', 'r6']) writer.enqueue(rowNamed(id));
    await writer.flush();
    expect(writer.stats()).toMatchObject({ queued: 5, written: 0, failed: 0, dropped: 1 });

    pg.down = false;
    await writer.flush();
    const { rows } = await db.pool.query<{ request_id: string }>(
      'select request_id from system_logs order by id',
    );
    expect(rows.map((r) => r.request_id)).toEqual(['r1', 'r2', 'r3', 'r4', 'r5']);
    expect(writer.stats()).toMatchObject({ enqueued: 5, written: 5, failed: 0, dropped: 1, queued: 0 });
    // An outage is not a lost batch: nothing reported as dropped rows.
    expect(errors).toEqual([]);
    await writer.close();
  });

  it('a batch refused after rows piled up behind it keeps the oldest rows up to the bound and counts the rest', async () => {
    await db.pool.query('delete from system_logs');
    const pg = switchable(db.pool);
    const writer = createRequestLogWriter({ db: pg.db, capacity: 5, flushIntervalMs: 3_600_000 });
    for (const id of ['r1', 'r2', 'r3']) writer.enqueue(rowNamed(id));
    pg.hold = true;
    const inFlight = writer.flush();
    for (const id of ['r4', 'r5', 'r6', 'r7', 'r8', 'r9']) writer.enqueue(rowNamed(id));
    expect(writer.stats()).toMatchObject({ queued: 5, dropped: 1 });
    pg.release();
    await inFlight;
    // r1..r3 back in front of r4..r8; r6..r8 no longer fit.
    expect(writer.stats()).toMatchObject({ queued: 5, dropped: 4, requeued: 3 });
    await writer.flush();
    const { rows } = await db.pool.query<{ request_id: string }>(
      'select request_id from system_logs order by id',
    );
    expect(rows.map((r) => r.request_id)).toEqual(['r1', 'r2', 'r3', 'r4', 'r5']);
    await writer.close();
  });

  it('closing while the database is down gives up the queued rows and counts them, as the metric shows', async () => {
    const pg = switchable(db.pool);
    const writer = createRequestLogWriter({ db: pg.db, capacity: 2, flushIntervalMs: 3_600_000 });
    const metrics = createMetrics(new Registry());
    metrics.watch({ requestLog: writer });
    // A batch that fails for another reason than an outage is lost (retrying would fail again) and counted.
    pg.broken = true;
    writer.enqueue(rowNamed('r1'));
    await writer.flush();
    pg.broken = false;
    pg.down = true;
    for (const id of ['r2', 'r3', 'r4']) writer.enqueue(rowNamed(id));
    await writer.close();
    expect(writer.stats()).toMatchObject({ enqueued: 3, written: 0, failed: 1, dropped: 3, queued: 0 });
    const text = await metrics.registry.metrics();
    expect(text).toContain('kgdb_request_log_dropped_total{reason="queue"} 3');
    expect(text).toContain('kgdb_request_log_dropped_total{reason="insert"} 1');
  });

  describe('partitions ahead', () => {
    const DAY = 86_400_000;
    /** Far past every partition the template has: its week does not exist yet. */
    const later = new Date(Date.now() + 60 * DAY);
    const partitionOf = async (requestId: string) =>
      (
        await db.pool.query<{ part: string }>(
          'select tableoid::regclass::text as part from system_logs where request_id = $1',
          [requestId],
        )
      ).rows[0]?.part;
    const weekOf = async (at: Date) =>
      (
        await db.pool.query<{ name: string }>(
          `select 'system_logs_p' || to_char(kgdb_system_logs_week($1) at time zone 'UTC', 'YYYYMMDD') as name`,
          [at],
        )
      ).rows[0]?.name;

    it('a flush less than a week before the newest partition ends creates the next week, moving its rows in', async () => {
      const { statements, spy } = recordingDb();
      const writer = createRequestLogWriter({ db: spy, flushIntervalMs: 3_600_000, now: () => later });
      writer.enqueue({ ...row, request_id: 'ahead-1', timestamp: later });
      await writer.flush();
      // The row went to the default partition, then into its week, created by this flush.
      expect(await partitionOf('ahead-1')).toBe(await weekOf(later));
      expect(statements).toHaveLength(2);
      expect(statements[1]).toContain('kgdb_system_logs_ensure_partitions');
      // Now a week is covered: the next flushes are one statement again.
      writer.enqueue({ ...row, request_id: 'ahead-2', timestamp: later });
      await writer.flush();
      expect(statements).toHaveLength(3);
      expect(await partitionOf('ahead-2')).toBe(await weekOf(later));
      expect(writer.stats()).toMatchObject({ written: 2, partition_errors: 0 });
      await writer.close();
    });

    it('a partition it cannot create in time costs no row: it lands in the default partition, and a later flush retries', async () => {
      let clock = new Date(later.getTime() + 21 * DAY);
      const writer = createRequestLogWriter({ db: db.pool, flushIntervalMs: 3_600_000, now: () => clock });
      // A long read of the default partition: attaching a week must lock it and gives up after its lock timeout.
      const reader = await db.pool.connect();
      try {
        await reader.query('begin');
        await reader.query('select count(*) from system_logs_default');
        writer.enqueue({ ...row, request_id: 'blocked', timestamp: clock });
        await writer.flush();
        expect(writer.stats()).toMatchObject({ written: 1, partition_errors: 1 });
        expect(await partitionOf('blocked')).toBe('system_logs_default');
      } finally {
        await reader.query('rollback');
        reader.release();
      }
      // Within a minute of the failure it does not try again; after that the next flush does, and succeeds.
      writer.enqueue({ ...row, request_id: 'retried', timestamp: clock });
      await writer.flush();
      expect(await partitionOf('retried')).toBe('system_logs_default');
      clock = new Date(clock.getTime() + 61_000);
      writer.enqueue({ ...row, request_id: 'created', timestamp: clock });
      await writer.flush();
      expect(writer.stats()).toMatchObject({ written: 3, partition_errors: 1 });
      for (const id of ['blocked', 'retried', 'created'])
        expect(await partitionOf(id)).toBe(await weekOf(clock));
      await writer.close();
    });
  });
});
