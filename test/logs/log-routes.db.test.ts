import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeCursor } from '../../src/logs/log-cursor.js';
import { createLogReader } from '../../src/logs/views/log-reader.js';
import { createViewLogRepository, VIEW_LOG_RELATION } from '../../src/logs/views/view-log-repository.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { ensureLogView, insertLogs, logTestApp, tokenHeaders } from './log-fixture.js';

let db: TestDatabase;
let app: FastifyInstance;
let admin: Record<string, string>;
let viewer: Record<string, string>;

beforeAll(async () => {
  db = await createTestDatabase();
  await ensureLogView(db.pool);
  app = await logTestApp(db.pool);
  admin = await tokenHeaders(db.pool, 'admin');
  viewer = await tokenHeaders(db.pool, 'viewer');
});
afterAll(async () => {
  await app?.close();
  await db?.drop();
});

const ROUTES = [
  { method: 'GET', url: '/api/admin/logs/' },
  { method: 'GET', url: '/api/admin/logs' },
  { method: 'GET', url: '/api/admin/logs/statistics' },
  { method: 'DELETE', url: '/api/admin/logs/cleanup' },
] as const;

describe('admin logs are admin only', () => {
  it('answers 401 without credentials and 403 for a viewer, before looking at the query', async () => {
    for (const { method, url } of ROUTES) {
      const anonymous = await app.inject({ method, url: `${url}?limit=99999` });
      expect(anonymous.statusCode, `${method} ${url}`).toBe(401);
      expect(anonymous.json().error.code).toBe('UNAUTHORIZED');
      const asViewer = await app.inject({ method, url, headers: viewer });
      expect(asViewer.statusCode, `${method} ${url}`).toBe(403);
    }
  });
});

describe('validation names the parameter and what it allows', () => {
  const cursor = encodeCursor({
    sortBy: 'timestamp',
    sortOrder: 'desc',
    keys: ['2026-10-01T00:00:00.000000+00:00'],
    id: 5,
  });
  it.each([
    ['foo=1', 'foo', "Unknown query parameter 'foo'. Allowed: level, source, request_id"],
    ['level=loud', 'level', 'Allowed (any case): DEBUG, INFO, WARNING, ERROR, CRITICAL'],
    ['level=INFO&level=ERROR', 'level', 'must be string'],
    ['start_time=yesterday', 'start_time', 'is not an ISO 8601 date-time'],
    ['end_time=2026-02-30T00:00:00Z', 'end_time', 'is not an ISO 8601 date-time'],
    ['start_time=2026-10-02&end_time=2026-10-01', 'start_time', 'is after end_time'],
    ['limit=1001', 'limit', '1000'],
    ['limit=0', 'limit', '1'],
    ['limit=ten', 'limit', 'integer'],
    ['offset=-1', 'offset', '0'],
    [
      'sort_by=message',
      'sort_by',
      'Allowed: timestamp, level, source, path, method, status_code, duration_ms',
    ],
    ['sort_order=sideways', 'sort_order', 'Allowed: asc, desc'],
    [`cursor=${cursor}&offset=100`, 'offset', 'either cursor or offset'],
    [`cursor=${cursor}&sort_by=path`, 'cursor', 'sort_by=timestamp&sort_order=desc'],
    ['cursor=eyJ2IjoxfQ', 'cursor', 'Invalid cursor'],
  ])('GET /api/admin/logs/?%s → 400 on %s', async (query, parameter, detail) => {
    const res = await app.inject({ method: 'GET', url: `/api/admin/logs/?${query}`, headers: admin });
    expect(res.statusCode).toBe(400);
    const { error } = res.json();
    expect(error).toMatchObject({ status: 400, code: 'INVALID_PARAMETER', source: { parameter } });
    expect(error.detail).toContain(detail);
  });

  it.each([
    ['/api/admin/logs/statistics?hours=0', 'hours'],
    ['/api/admin/logs/statistics?hours=169', 'hours'],
    ['/api/admin/logs/statistics?days=3', 'days'],
    ['/api/admin/logs/cleanup?days=366', 'days'],
    ['/api/admin/logs/cleanup?days=-1', 'days'],
  ])('%s → 400 on %s', async (url, parameter) => {
    const method = url.includes('cleanup') ? 'DELETE' : 'GET';
    const res = await app.inject({ method, url, headers: admin });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.source.parameter).toBe(parameter);
  });
});

describe('GET /api/admin/logs/statistics', () => {
  // now = 12:00, hours = 2: the window is [10:00, 12:00], both ends included. Every expected number below
  // is worked out by hand from these rows.
  const NOW = new Date('2026-10-01T12:00:00Z');
  const at = (hhmmss: string) => `2026-10-01T${hhmmss}Z`;

  beforeAll(async () => {
    await db.pool.query('delete from system_logs');
    await insertLogs(db.pool, [
      {
        timestamp: at('10:30:00'),
        logger: 'kgdb.request',
        path: '/a',
        method: 'GET',
        status_code: 200,
        duration_ms: 10,
      },
      {
        timestamp: at('10:45:00'),
        logger: 'kgdb.request',
        path: '/a',
        method: 'GET',
        status_code: 201,
        duration_ms: 20,
      },
      {
        timestamp: at('11:10:00'),
        level: 'WARNING',
        logger: 'kgdb.request',
        path: '/b',
        method: 'POST',
        status_code: 404,
        duration_ms: 30,
      },
      {
        timestamp: at('11:20:00'),
        level: 'ERROR',
        logger: 'kgdb.request',
        path: '/b',
        method: 'GET',
        status_code: 500,
        duration_ms: 40,
      },
      { timestamp: at('11:50:00'), level: 'ERROR', logger: 'app.api', path: '/a', method: 'GET' },
      {
        timestamp: at('11:55:00'),
        level: 'CRITICAL',
        logger: 'app.api',
        path: '/c',
        method: 'DELETE',
        status_code: 503,
        duration_ms: 100,
      },
      {
        timestamp: at('12:00:00'),
        level: 'DEBUG',
        logger: null,
        path: '/a',
        status_code: 304,
        duration_ms: 0,
      },
      // Outside: before the window, after now, and a background line without a path.
      { timestamp: at('09:59:59'), level: 'ERROR', logger: 'kgdb.request', path: '/a', status_code: 500 },
      { timestamp: at('12:00:01'), level: 'ERROR', logger: 'kgdb.request', path: '/a', status_code: 500 },
      { timestamp: at('11:00:00'), level: 'ERROR', logger: 'kgdb.views' },
    ]);
  });

  it('computes every number from the rows', async () => {
    const { storage, ...rest } = await createViewLogRepository(db.pool).statistics(2, NOW);
    expect(rest).toEqual({
      time_range: { start: '2026-10-01T10:00:00.000Z', end: '2026-10-01T12:00:00.000Z', hours: 2 },
      total_logs: 7,
      error_count: 3, // ERROR 11:20 and 11:50, CRITICAL 11:55
      error_rate: 42.86, // 3 / 7
      level_distribution: [
        { level: 'ERROR', count: 2 },
        { level: 'INFO', count: 2 },
        { level: 'CRITICAL', count: 1 },
        { level: 'DEBUG', count: 1 },
        { level: 'WARNING', count: 1 },
      ],
      top_sources: [
        { source: 'kgdb.request', count: 4 },
        { source: 'app.api', count: 2 },
        { source: null, count: 1 },
      ],
      // Rows with a status: 200, 201, 304 | 404 | 500, 503 (the 11:50 line has none).
      status_categories: { success: 3, client_error: 1, server_error: 2 },
      top_paths: [
        { path: '/a', count: 4, server_errors: 0, avg_duration_ms: 10 }, // (10 + 20 + 0) / 3
        { path: '/b', count: 2, server_errors: 1, avg_duration_ms: 35 },
        { path: '/c', count: 1, server_errors: 1, avg_duration_ms: 100 },
      ],
      // Durations 0, 10, 20, 30, 40, 100: p50 at rank 2.5 → 25; p95 at 4.75 → 40 + 0.75 × 60; p99 at 4.95.
      duration_ms: { count: 6, p50: 25, p95: 85, p99: 97, avg: 33.333, max: 100 },
      error_timeline: [
        { hour: '2026-10-01T12:00:00+00:00', errors: 0, total: 1, error_rate: 0 },
        { hour: '2026-10-01T11:00:00+00:00', errors: 3, total: 4, error_rate: 75 },
        { hour: '2026-10-01T10:00:00+00:00', errors: 0, total: 2, error_rate: 0 },
      ],
    });
    expect(storage).toMatchObject({ total_rows: 10, total_rows_exact: true });
    expect(storage.table_bytes).toBeGreaterThan(0);
    expect(storage.table_size).toMatch(/\d+ (bytes|kB|MB)/);
  });

  it('serves the same over HTTP (an empty window here: the route measures from the real clock)', async () => {
    const res = await app.inject({
      method: 'GET',
      url: '/api/admin/logs/statistics?hours=168',
      headers: admin,
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ time_range: { hours: 168 }, storage: { total_rows: 10 } });
    const byDefault = await app.inject({ method: 'GET', url: '/api/admin/logs/statistics', headers: admin });
    expect(byDefault.json().time_range.hours).toBe(24);
  });
});

describe('DELETE /api/admin/logs/cleanup', () => {
  const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString();

  beforeAll(async () => {
    await db.pool.query('delete from system_logs');
    await insertLogs(db.pool, [
      { timestamp: daysAgo(45), path: null },
      { timestamp: daysAgo(40), path: '/a' },
      { timestamp: daysAgo(31), path: '/a' },
      { timestamp: daysAgo(29), path: '/a' },
      { timestamp: daysAgo(1), path: null },
    ]);
  });

  it('deletes exactly the rows older than the cutoff, with or without a path', async () => {
    const res = await app.inject({
      method: 'DELETE',
      url: '/api/admin/logs/cleanup?days=30',
      headers: admin,
    });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ success: true, logs_deleted: 3 });
    expect(Date.parse(body.cutoff_date)).toBeGreaterThan(Date.now() - 30 * 86_400_000 - 60_000);
    const { rows } = await db.pool.query<{ n: number }>('select count(*)::int as n from system_logs');
    expect(rows[0]?.n).toBe(2);
  });

  it('days=0 deletes every row; nothing is left to delete afterwards', async () => {
    const first = await app.inject({
      method: 'DELETE',
      url: '/api/admin/logs/cleanup?days=0',
      headers: admin,
    });
    expect(first.json()).toEqual({ success: true, logs_deleted: 2, cutoff_date: 'All logs deleted' });
    const again = await app.inject({
      method: 'DELETE',
      url: '/api/admin/logs/cleanup?days=0',
      headers: admin,
    });
    expect(again.json().logs_deleted).toBe(0);
  });

  it('deletes in batches until a batch comes back short', async () => {
    const now = new Date('2026-10-01T00:00:00Z');
    await insertLogs(
      db.pool,
      Array.from({ length: 5 }, (_, i) => ({ timestamp: `2026-08-0${i + 1}T00:00:00Z`, path: '/a' })),
    );
    await insertLogs(db.pool, [{ timestamp: '2026-09-30T00:00:00Z', path: '/a' }]);
    const small = createLogReader(db.pool, VIEW_LOG_RELATION, { cleanupBatch: 2 });
    expect(await small.cleanup(7, now)).toEqual({ logs_deleted: 5, cutoff: '2026-09-24T00:00:00.000Z' });
    expect(await small.cleanup(0, now)).toEqual({ logs_deleted: 1, cutoff: null });
  });
});
