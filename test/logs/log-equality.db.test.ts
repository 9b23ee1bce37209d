import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemo } from '../../src/data/demo/seed-demo.js';
import {
  createLegacyLogRepository,
  type LegacyLogRepository,
} from '../../src/logs/legacy/legacy-log-repository.js';
import { type LogQueryParams, parseLogQuery } from '../../src/logs/log-query.js';
import type { LogRepository } from '../../src/logs/log-repository.js';
import { LOG_SORT_FIELDS, type LogSortField } from '../../src/logs/log-sort.js';
import { LAZY_MERGE_OFFSET } from '../../src/logs/views/log-list-sql.js';
import { createViewLogRepository } from '../../src/logs/views/view-log-repository.js';
import { type ArmDatabases, armDatabases, servedArm } from '../genes/arm-databases.js';
import { ensureLogView, insertLogs, logTestApp, tokenHeaders } from './log-fixture.js';

// The two arms of the admin-logs experiment: the legacy port (its own SQL over system_logs) and the views
// arm (admin_logs_filtered and its builders) answer every request with the same body (rows, totals below the
// views' count cap, has_more, next_cursor), and both agree with an oracle query written independently of
// either (NULLS FIRST/LAST instead of coalesce, strpos instead of LIKE). Each arm serves from its own copy of
// the rows, put in front by that copy's rollout flag, as in production.

let dbs: ArmDatabases;
let legacy: LegacyLogRepository;
let views: LogRepository;
let legacyApp: FastifyInstance;
let viewsApp: FastifyInstance;
let headers: Record<string, string>;
let requestId: string;

const NOW = new Date('2026-10-01T00:00:00Z');
const T = (iso: string) => `2026-09-${iso}`;

beforeAll(async () => {
  dbs = await armDatabases(async (pool) => {
    await ensureLogView(pool);
    await seedDemo(pool, { genes: 30, evidence: 60, logs: 4_000, seed: 11, now: NOW });
    // Edge rows: NULL sort columns, LIKE metacharacters in a logger, equal keys and equal timestamps (ties go
    // to the next key, then id), microsecond timestamps one apart (cursors must keep them), a level the demo
    // never writes, and rows without a path (never admin logs).
    await insertLogs(pool, [
      {
        request_id: 'edge',
        timestamp: T('20T10:00:00.000001Z'),
        logger: null,
        path: '/x',
        method: null,
        status_code: null,
      },
      {
        request_id: 'edge',
        timestamp: T('20T10:00:00.000002Z'),
        logger: null,
        path: '/x',
        method: null,
        status_code: null,
      },
      {
        request_id: 'edge',
        timestamp: T('20T10:00:00.000002Z'),
        logger: 'weird.50%_\\x',
        path: '/x',
        method: 'GET',
        status_code: 200,
      },
      {
        request_id: 'edge',
        timestamp: T('20T10:00:00.000002Z'),
        logger: 'weird.50%_\\x',
        path: '/x',
        method: 'GET',
        status_code: 200,
      },
      {
        request_id: 'edge',
        timestamp: T('21T00:00:00Z'),
        level: 'CRITICAL',
        logger: 'app.api',
        path: '/api/genes/',
        status_code: 503,
      },
      { request_id: 'edge', timestamp: T('21T00:00:00Z'), level: 'CRITICAL', logger: 'app.bg', path: null },
      {
        request_id: 'edge',
        timestamp: T('22T00:00:00Z'),
        level: 'ERROR',
        logger: 'app.bg',
        path: null,
        duration_ms: 99999,
      },
      { request_id: 'edge', timestamp: T('23T12:34:56.789012Z'), logger: '', path: '/y', duration_ms: 0 },
    ]);
    // Ties on NULLs: '' and NULL loggers (equal under the contract, so id decides: the '' row, inserted first,
    // comes first ascending, where NULLS FIRST would put the NULL one), equal fields told apart by the logger,
    // and equal (field, logger) told apart by the time.
    const tie = { request_id: 'tie', timestamp: T('24T08:00:00Z'), path: '/t' };
    await insertLogs(pool, [
      { ...tie, logger: '' },
      { ...tie, logger: null },
      { ...tie, logger: 'a', method: 'GET', status_code: 200, duration_ms: 5 },
      { ...tie, logger: null, method: 'GET', status_code: 200, duration_ms: 5 },
      { ...tie, timestamp: T('24T07:00:00Z'), logger: 'a', method: 'GET', status_code: 200, duration_ms: 5 },
      { ...tie, level: 'ERROR', logger: '' },
      { ...tie, logger: null, duration_ms: 0 },
    ]);
    await pool.query('analyze system_logs');
    const { rows } = await pool.query<{ request_id: string }>(
      `select request_id from system_logs where path is not null and request_id is not null order by id limit 1 offset 100`,
    );
    requestId = rows[0]?.request_id ?? 'missing';
    // The token is copied with the rows: one header for both apps.
    headers = await tokenHeaders(pool, 'admin');
  });
  // The repositories directly and the oracle, on one copy (the rows are the same in both).
  legacy = createLegacyLogRepository(dbs.views.pool);
  views = createViewLogRepository(dbs.views.pool);
  legacyApp = await logTestApp(dbs.legacy.pool);
  viewsApp = await logTestApp(dbs.views.pool);
});
afterAll(async () => {
  await legacyApp?.close();
  await viewsApp?.close();
  await dbs?.drop();
});

const ORACLE_ORDER: Record<LogSortField, string> = {
  timestamp: 'timestamp {d}, id {d}',
  level: "level {d}, coalesce(logger, '') {d}, timestamp {d}, id {d}",
  source: "coalesce(logger, '') {d}, timestamp {d}, id {d}",
  path: "path {d}, coalesce(logger, '') {d}, timestamp {d}, id {d}",
  method: "method {d} nulls {n}, coalesce(logger, '') {d}, timestamp {d}, id {d}",
  status_code: "status_code {d} nulls {n}, coalesce(logger, '') {d}, timestamp {d}, id {d}",
  duration_ms: "duration_ms {d} nulls {n}, coalesce(logger, '') {d}, timestamp {d}, id {d}",
};

/**
 * Every matching admin log id in order, without the builder. A NULL sort field is placed with NULLS FIRST
 * ascending and NULLS LAST descending, where coalesce puts it; a NULL logger ties with '' (the contract), so
 * those rows are told apart by the keys after it.
 */
async function oracle(params: LogQueryParams): Promise<number[]> {
  const q = parseLogQuery(params);
  const where = ['path is not null'];
  const values: unknown[] = [];
  const bind = (v: unknown) => {
    values.push(v);
    return `$${values.length}`;
  };
  if (q.level) where.push(`level = ${bind(q.level)}`);
  if (q.source) where.push(`strpos(lower(logger), lower(${bind(q.source)})) > 0`);
  if (q.requestId) where.push(`request_id = ${bind(q.requestId)}`);
  if (q.startTime) where.push(`timestamp >= ${bind(q.startTime)}::timestamptz`);
  if (q.endTime) where.push(`timestamp <= ${bind(q.endTime)}::timestamptz`);
  const [d, n] = q.sortOrder === 'asc' ? ['asc', 'first'] : ['desc', 'last'];
  const order = ORACLE_ORDER[q.sortBy].replaceAll('{d}', d).replaceAll('{n}', n);
  const { rows } = await dbs.views.pool.query<{ id: number }>(
    `select id from system_logs where ${where.join(' and ')} order by ${order}`,
    values,
  );
  return rows.map((r) => r.id);
}

const qs = (params: LogQueryParams) =>
  new URLSearchParams(Object.entries(params).map(([k, v]): [string, string] => [k, String(v)])).toString();

async function both(params: LogQueryParams) {
  const url = `/api/admin/logs/?${qs(params)}`;
  const [a, b] = await Promise.all([
    legacyApp.inject({ method: 'GET', url, headers }),
    viewsApp.inject({ method: 'GET', url, headers }),
  ]);
  expect(a.statusCode, `${url}: ${a.body.slice(0, 300)}`).toBe(200);
  expect(b.statusCode, url).toBe(200);
  expect([servedArm(a), servedArm(b)], url).toEqual(['legacy', 'views']);
  const legacyBody = a.json();
  expect(b.json(), url).toEqual(legacyBody);
  return legacyBody as {
    logs: { id: number }[];
    pagination: { total: number; has_more: boolean; next_cursor: string | null; total_exact: boolean };
  };
}

const FILTERS: LogQueryParams[] = [
  {},
  { level: 'error' },
  { level: 'INFO' },
  { level: 'critical' },
  { source: 'genes' },
  { source: 'ADMIN' },
  { source: '50%_' },
  { source: '\\' },
  { source: '%' },
  { source: 'no-such-logger' },
  { start_time: '2026-09-15T00:00:00Z' },
  { end_time: '2026-09-10' },
  { start_time: '2026-09-20T10:00:00.000002Z', end_time: '2026-09-21T00:00:00Z' },
  { level: 'warning', source: 'api', start_time: '2026-09-05' },
  { start_time: '2030-01-01' },
  { request_id: 'tie' },
];

const SORTS: LogQueryParams[] = [
  {},
  ...LOG_SORT_FIELDS.flatMap((sort_by) => [
    { sort_by, sort_order: 'asc' },
    { sort_by, sort_order: 'desc' },
  ]),
];

// Several hundred requests through both apps: generous on a busy CI machine.
describe('legacy and views arms: identical bodies, and both match the oracle', {
  timeout: 240_000,
}, () => {
  it('every filter × every sort, first page', async () => {
    for (const filter of FILTERS) {
      const all = new Map<string, number[]>();
      for (const sort of SORTS) {
        const params = { ...filter, ...sort, limit: 7 };
        const body = await both(params);
        const expected = await oracle(params);
        all.set(qs(sort), expected);
        expect(
          body.logs.map((l) => l.id),
          qs(params),
        ).toEqual(expected.slice(0, 7));
        expect(body.pagination).toMatchObject({
          total: expected.length,
          total_exact: true,
          has_more: expected.length > 7,
        });
      }
    }
  });

  it('the request_id filter', async () => {
    const body = await both({ request_id: requestId, sort_by: 'status_code' });
    expect(body.logs.length).toBeGreaterThan(0);
    expect(body.logs.map((l) => l.id)).toEqual(
      await oracle({ request_id: requestId, sort_by: 'status_code' }),
    );
  });

  it('middle, last and empty offset pages', async () => {
    for (const params of [
      { offset: 3, limit: 5 },
      { offset: 1000, limit: 100, sort_by: 'path', sort_order: 'asc' },
      { offset: 3600, limit: 1000, sort_by: 'duration_ms' },
      { offset: 100_000, limit: 10, sort_by: 'level' },
      { offset: 2, limit: 3, source: '50%_', sort_by: 'timestamp', sort_order: 'asc' },
    ] satisfies LogQueryParams[]) {
      const body = await both(params);
      const expected = await oracle(params);
      expect(
        body.logs.map((l) => l.id),
        qs(params),
      ).toEqual(expected.slice(params.offset, params.offset + params.limit));
      expect(body.pagination.has_more).toBe(params.offset + params.limit < expected.length);
    }
  });

  it('deep offset pages, which the views arm merges as a UNION ALL of its branches', async () => {
    for (const params of [
      { offset: 1500, limit: 50, sort_by: 'method', sort_order: 'asc', start_time: '2026-09-12' },
      { offset: 2000, limit: 20, sort_by: 'source', source: 'a' },
      { offset: 1200, limit: 30, sort_by: 'timestamp', level: 'INFO' },
      { offset: 1000, limit: 40, sort_by: 'path' },
    ] satisfies LogQueryParams[]) {
      const expected = await oracle(params);
      expect(expected.length, qs(params)).toBeGreaterThan(params.offset + params.limit);
      expect(params.offset).toBeGreaterThanOrEqual(LAZY_MERGE_OFFSET);
      const body = await both(params);
      expect(
        body.logs.map((l) => l.id),
        qs(params),
      ).toEqual(expected.slice(params.offset, params.offset + params.limit));
    }
    // No branch at all (a source matching no logger): an empty page, not an empty UNION.
    const none = await both({ offset: LAZY_MERGE_OFFSET, source: 'no-such-logger', sort_by: 'path' });
    expect(none.logs).toEqual([]);
  });

  it('following next_cursor visits every row once, in order, for every sort, with and without filters', async () => {
    for (const filter of [
      {},
      { start_time: '2026-09-12' },
      { source: 'api' },
      { level: 'INFO' },
    ] as LogQueryParams[]) {
      for (const sort of SORTS) {
        const expected = await oracle({ ...filter, ...sort });
        const seen: number[] = [];
        let params: LogQueryParams = { ...filter, ...sort, limit: 900 };
        for (let guard = 0; guard < 20; guard++) {
          const body = await both(params);
          seen.push(...body.logs.map((l) => l.id));
          if (!body.pagination.next_cursor) break;
          expect(body.pagination.has_more).toBe(true);
          params = { ...filter, limit: 900, cursor: body.pagination.next_cursor };
        }
        expect(seen, qs({ ...filter, ...sort })).toEqual(expected);
      }
    }
  });

  it('continues through ties one row at a time, with the same cursor from both arms', async () => {
    for (const sort of SORTS) {
      const expected = await oracle({ request_id: 'tie', ...sort });
      const seen: number[] = [];
      let q = parseLogQuery({ request_id: 'tie', ...sort, limit: 1 });
      for (let step = 0; step < expected.length; step++) {
        const [a, b] = await Promise.all([legacy.query(q), views.query(q)]);
        expect(a, `${qs(sort)} step ${step}`).toEqual(b);
        seen.push(...a.logs.map((l) => l.id));
        if (!a.nextCursor) break;
        q = parseLogQuery({ request_id: 'tie', limit: 1, cursor: a.nextCursor });
      }
      expect(seen, qs(sort)).toEqual(expected);
    }
  });

  it('returns upstream fields, timestamps with microseconds, and never rows without a path', async () => {
    const body = await both({ request_id: 'edge', sort_order: 'asc' });
    const logs = body.logs as unknown as Record<string, unknown>[];
    expect(logs.map((l) => l.timestamp)).toEqual([
      '2026-09-20T10:00:00.000001+00:00',
      '2026-09-20T10:00:00.000002+00:00',
      '2026-09-20T10:00:00.000002+00:00',
      '2026-09-20T10:00:00.000002+00:00',
      '2026-09-21T00:00:00.000000+00:00',
      '2026-09-23T12:34:56.789012+00:00',
    ]);
    expect(logs.every((l) => l.path !== null)).toBe(true);
    expect(Object.keys(logs[0] ?? {}).sort()).toEqual(
      [
        'id',
        'timestamp',
        'level',
        'source',
        'message',
        'request_id',
        'user_id',
        'ip_address',
        'user_agent',
        'path',
        'method',
        'status_code',
        'duration_ms',
        'error_type',
        'error_message',
        'stack_trace',
        'context',
        'request_body',
        'query_params',
        'headers',
        'client_info',
      ].sort(),
    );
    expect(logs[0]).toMatchObject({ source: null, method: null, status_code: null, context: {} });
  });
});
