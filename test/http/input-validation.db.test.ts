import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../src/app/serve.js';
import { issueApiToken } from '../../src/auth/issue-api-token.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { encodeCursor } from '../../src/logs/log-cursor.js';
import { silentProgress } from '../../src/progress.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { insertGenes, refreshMaterializedViews } from '../helpers/views.js';
import { insertLogs } from '../logs/log-fixture.js';

/**
 * Hostile input is a 400 naming the parameter, never a 500: numbers that coerce to ±Infinity or past
 * bigint, NUL characters PostgreSQL cannot store, text that is not Unicode. Regressions D1–D3 as a probe of
 * the running server found them, through the real composition root; D4: such requests no longer count as
 * failures of the rollout arm that would have served them.
 */

let db: TestDatabase;
let server: RunningServer;
let admin: Record<string, string>;

beforeAll(async () => {
  db = await createTestDatabase();
  await insertGenes(db.pool, [
    { symbol: 'PKD1', hgncId: 'HGNC:9008', evidence: { ClinGen: { classifications: ['Definitive'] } } },
    { symbol: 'PKD2', hgncId: 'HGNC:9009', evidence: { PanelApp: { panels: ['Cystic kidney disease'] } } },
  ]);
  // A logger the source filter matches: the views arm then pages through one index range per logger.
  await insertLogs(db.pool, [
    { timestamp: '2026-10-01T08:00:00Z', logger: 'kgdb.request', path: '/api/genes/' },
  ]);
  await refreshMaterializedViews(db.pool);
  const config = { ...loadConfig({ DATABASE_URL: db.url, KGDB_SEED_DEMO: 'false' }), port: 0, poolSize: 4 };
  server = await startServer(config, createLogger('silent'), silentProgress);
  const { token } = await issueApiToken(db.pool, { role: 'admin', name: 'input validation test' });
  admin = { authorization: `Bearer ${token}` };
});
afterAll(async () => {
  await server?.close();
  await db?.drop();
});

interface Sent {
  method?: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  url: string;
  payload?: string | object;
  headers?: Record<string, string>;
}

/** Sends as an admin (anonymous routes ignore the token); expects a 400 envelope and returns its error. */
async function rejected({ method = 'GET', url, payload, headers = {} }: Sent) {
  const res = await server.app.inject({ method, url, payload, headers: { ...admin, ...headers } });
  expect(res.statusCode, `${method} ${url}: ${res.body}`).toBe(400);
  const { error } = res.json();
  expect(error).toMatchObject({ status: 400, code: 'INVALID_PARAMETER', title: 'Invalid parameter' });
  expect(error.meta.error_id).toEqual(expect.any(String));
  return error as { detail: string; source: { parameter: string | null } };
}

const FLAG_EVENTS = '/api/admin/feature-flags/use_database_views/events';

describe('D1: numbers that coerce to ±Infinity are a 400 naming the parameter', () => {
  it.each([
    ['/api/genes/?page[size]=Infinity', 'page[size]'],
    ['/api/genes/?page[size]=-Infinity', 'page[size]'],
    ['/api/genes/?page[size]=1e400', 'page[size]'],
    ['/api/genes/?page[number]=Infinity', 'page[number]'],
    ['/api/genes/?page[number]=-Infinity', 'page[number]'],
    ['/api/genes/?page[number]=1e400', 'page[number]'],
    ['/api/genes/?filter[min_score]=Infinity', 'filter[min_score]'],
    ['/api/genes/?filter[max_count]=1e400', 'filter[max_count]'],
    ['/api/admin/logs/statistics?hours=Infinity', 'hours'],
    ['/api/admin/logs/?limit=-Infinity', 'limit'],
    [`${FLAG_EVENTS}?limit=Infinity`, 'limit'],
    ['/api/admin/cache/keys/gene_list?page=Infinity', 'page'],
    ['/api/admin/cache/keys/gene_list?page_size=Infinity', 'page_size'],
    ['/api/admin/shadow-tests/results?window_seconds=Infinity', 'window_seconds'],
    ['/api/admin/shadow-tests/results?hours=1e400', 'hours'],
    ['/api/admin/shadow-tests/results?samples=Infinity', 'samples'],
    ['/api/admin/metrics/views?window_seconds=Infinity', 'window_seconds'],
  ])('%s', async (url, parameter) => {
    const error = await rejected({ url });
    expect(error.source.parameter).toBe(parameter);
    expect(error.detail).toContain(`'${parameter}'`);
    expect(error.detail).toMatch(/expected a (whole )?number/);
  });

  it('names what it allows: a URL number must be decimal; one that overflows to Infinity is not finite', async () => {
    expect((await rejected({ url: '/api/genes/?page[size]=Infinity' })).detail).toMatchInlineSnapshot(
      `"'page[size]' must be integer: expected a whole number 1..100"`,
    );
    expect((await rejected({ url: '/api/genes/?filter[min_score]=1e400' })).detail).toMatchInlineSnapshot(
      `"'filter[min_score]' must be a finite number: expected a number 0..100"`,
    );
    expect((await rejected({ url: '/api/genes/?page[size]=0x10' })).detail).toMatchInlineSnapshot(
      `"'page[size]' must be integer: expected a whole number 1..100"`,
    );
  });

  it('a form body is coerced like a query string: Infinity is not finite there either', async () => {
    const error = await rejected({
      method: 'POST',
      url: '/api/admin/shadow-tests/validate-migration',
      payload: 'min_match_rate=Infinity',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(error.source.parameter).toBe('min_match_rate');
  });

  it('in JSON bodies: 1e400 (Infinity once parsed) is a 400 too', async () => {
    const error = await rejected({
      method: 'POST',
      url: '/api/admin/shadow-tests/validate-migration',
      payload: '{"max_latency_ratio": 1e400}',
      headers: { 'content-type': 'application/json' },
    });
    expect(error.source.parameter).toBe('max_latency_ratio');
  });
});

describe('D2: text with NUL characters is a 400 naming the parameter', () => {
  it.each([
    ['/api/genes/PKD1%00', 'gene_symbol'],
    ['/api/genes/%00/evidence', 'gene_symbol'],
    ['/api/genes/?filter[search]=%00', 'filter[search]'],
    ['/api/admin/logs/?source=%00', 'source'],
    ['/api/admin/logs/?request_id=a%00b', 'request_id'],
    ['/api/admin/feature-flags/%00', 'key'],
  ])('%s', async (url, parameter) => {
    const error = await rejected({ url });
    expect(error.source.parameter).toBe(parameter);
    expect(error.detail).toContain('NUL');
  });

  it.each<[string, Sent, string]>([
    [
      'login (JSON)',
      { method: 'POST', url: '/api/auth/login', payload: { username: 'a\0', password: 'x' } },
      'username',
    ],
    [
      'login (form)',
      {
        method: 'POST',
        url: '/api/auth/login',
        payload: 'username=a%00&password=x',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      },
      'username',
    ],
    [
      'flag PATCH',
      {
        method: 'PATCH',
        url: '/api/admin/feature-flags/use_database_views',
        payload: { description: 'a\0' },
      },
      'description',
    ],
    [
      'flag PATCH on a NUL key',
      { method: 'PATCH', url: '/api/admin/feature-flags/a%00', payload: { reason: 'x' } },
      'key',
    ],
    [
      'flag disable',
      { method: 'POST', url: '/api/admin/feature-flags/disable', payload: { flag: 'use\0' } },
      'flag',
    ],
  ])('in a body or path: %s', async (_name, sent, parameter) => {
    const error = await rejected(sent);
    expect(error.source.parameter).toBe(parameter);
  });

  it('text that is not Unicode (a lone surrogate) is a 400 too', async () => {
    const error = await rejected({
      method: 'POST',
      url: '/api/auth/login',
      payload: '{"username": "\\ud800", "password": "x"}',
      headers: { 'content-type': 'application/json' },
    });
    expect(error.source.parameter).toBe('username');
  });

  it('an invalid percent-encoding in the path is a 400 in the error envelope', async () => {
    const error = await rejected({ url: '/api/genes/%E0%A4%A' });
    expect(error.source.parameter).toBeNull();
  });
});

describe('found by the fuzz: a forged log cursor is a 400, whatever its keys', () => {
  it.each([
    [
      'a NUL in a text key',
      { sortBy: 'level', keys: ['\u0000', 'kgdb', '2026-10-01T00:00:00.000000+00:00'] },
    ],
    [
      'a status past int4',
      { sortBy: 'status_code', keys: ['9999999999', 'kgdb', '2026-10-01T00:00:00.000000+00:00'] },
    ],
    [
      'a duration PostgreSQL cannot read',
      { sortBy: 'duration_ms', keys: ['0x10', 'kgdb', '2026-10-01T00:00:00.000000+00:00'] },
    ],
    [
      'a duration that underflows float8',
      { sortBy: 'duration_ms', keys: ['1e-400', 'kgdb', '2026-10-01T00:00:00.000000+00:00'] },
    ],
  ] as const)('a log cursor carrying %s is a 400 on cursor', async (_name, { sortBy, keys }) => {
    const cursor = encodeCursor({ sortBy, sortOrder: 'asc', keys: [...keys], id: 1 });
    const error = await rejected({ url: `/api/admin/logs/?cursor=${cursor}` });
    expect(error.source.parameter).toBe('cursor');
  });
});

describe('D3: ids past the safe integers are a 400, never a bigint overflow', () => {
  it.each(['9223372036854775808', '1e308', '9007199254740993', 'Infinity'])('before=%s', async (before) => {
    const error = await rejected({ url: `${FLAG_EVENTS}?before=${before}` });
    expect(error.source.parameter).toBe('before');
    expect(error.detail).toContain('9007199254740991');
  });

  it('a log offset past what the page SQL binds is a 400 (was 500 on the views arm with a source filter)', async () => {
    const error = await rejected({ url: '/api/admin/logs/?source=kgdb&limit=35&offset=394528225337204' });
    expect(error.source.parameter).toBe('offset');
    expect(error.detail).toMatchInlineSnapshot(
      `"'offset' must be <= 2000000000: expected a whole number 0..2000000000"`,
    );
  });

  it('the largest safe id is still accepted', async () => {
    const res = await server.app.inject({ url: `${FLAG_EVENTS}?before=9007199254740991`, headers: admin });
    expect(res.statusCode, res.body).toBe(200);
  });
});

describe('D4: rejected input does not count against the views arm', () => {
  /** The views arm's requests and errors in the rollout window (what the guard reads), all instances. */
  async function viewsArm(): Promise<{ requests: number; errors: number }> {
    const res = await server.app.inject({
      url: '/api/admin/metrics/views?window_seconds=3600',
      headers: admin,
    });
    expect(res.statusCode, res.body).toBe(200);
    return res.json().arms.views;
  }

  it('at 100 %: 150 normal GETs and 4 of page[size]=Infinity: the 4 are 400s and the arm records no error', async () => {
    const before = await viewsArm();
    for (let i = 0; i < 150; i++) {
      const res = await server.app.inject({ url: `/api/genes/?page[size]=${1 + (i % 5)}` });
      expect(res.statusCode, res.body).toBe(200);
      expect(res.headers['server-timing']).toContain('arm;desc="views"');
    }
    for (let i = 0; i < 4; i++) {
      const res = await server.app.inject({ url: '/api/genes/?page[size]=Infinity' });
      expect(res.statusCode, res.body).toBe(400);
    }
    const after = await viewsArm();
    expect({ requests: after.requests - before.requests, errors: after.errors - before.errors }).toEqual({
      requests: 150,
      errors: 0,
    });
  });
});
