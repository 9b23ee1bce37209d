import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Composition } from '../../src/app/compose.js';
import { createPool, type Pool } from '../../src/db/pool.js';
import { errorCodeOf } from '../../src/http/errors.js';
import { composeTestApp, testApp } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { startProxy, type TcpProxy, throughProxy } from './tcp-proxy.js';

const DEADLINE_MS = 30_000;

let db: TestDatabase;
let app: FastifyInstance;
/**
 * A second composition whose database went away after it started (compose waits for its LISTEN connections,
 * so it cannot start without one): its pool reaches PostgreSQL through a proxy that is then closed, so every
 * new connection is refused, as from a host where nothing listens.
 */
let proxy: TcpProxy;
let dead: Pool;
let deadComposition: Composition;
let deadApp: FastifyInstance;
/** What an onResponse hook of deadApp read: the status and errorCodeOf(reply). */
const seen: { status: number; code: string | undefined }[] = [];

/** Polls a state until it holds; the deadline only bounds a hang. */
async function until(what: string, condition: () => boolean): Promise<void> {
  const deadline = performance.now() + DEADLINE_MS;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`no ${what} within ${DEADLINE_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

beforeAll(async () => {
  db = await createTestDatabase();
  app = await testApp(db.pool);
  proxy = await startProxy(Number(new URL(db.url).port));
  dead = createPool({ connectionString: throughProxy(db.url, proxy), max: 1 });
  deadComposition = await composeTestApp(dead);
  deadApp = deadComposition.app;
  deadApp.addHook('onResponse', async (_request, reply) => {
    seen.push({ status: reply.statusCode, code: errorCodeOf(reply) });
  });
  await deadApp.ready();
  await proxy.close();
  // The database is gone once the composition has seen it go: the cache's listener lost its connection (the
  // cache then serves nothing from memory) and the pool holds no connection from before.
  await until('the cache listener to notice', () => !deadComposition.caching.cache.live);
  await until('the pool to drop its connections', () => dead.totalCount === 0);
});
afterAll(async () => {
  await app?.close();
  await deadApp?.close();
  await dead?.end();
  await proxy?.close();
  await db?.drop();
});

describe('GET /health', () => {
  it('reports the database reachable and the pool numbers', async () => {
    const res = await app.inject({ method: 'GET', url: '/health' });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ status: 'healthy', database: 'ok', pool: { max: 5 } });
    expect(body.pool.total).toBeGreaterThanOrEqual(1);
  });

  it('answers 503 "database unavailable" with Retry-After, and no address or driver message', async () => {
    const res = await deadApp.inject({ method: 'GET', url: '/health' });
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('5');
    expect(res.json()).toEqual({
      status: 'unhealthy',
      database: 'unavailable',
      pool: expect.objectContaining({ max: 1 }),
      read: { replica: 'none' },
    });
    expect(res.body).not.toMatch(/127\.0\.0\.1|ECONNREFUSED|connect/);
  });
});

describe('a database outage', () => {
  it('answers 503 DATABASE_UNAVAILABLE with Retry-After in the envelope on database-backed routes', async () => {
    for (const url of ['/api/genes/', '/api/genes/PKD1', '/api/statistics/summary', '/version']) {
      const res = await deadApp.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(503);
      expect(res.headers['retry-after'], url).toBe('5');
      expect(res.json().error, url).toMatchObject({
        status: 503,
        code: 'DATABASE_UNAVAILABLE',
        title: 'Database unavailable',
        detail: 'The database is unavailable; retry in 5 seconds',
        meta: { path: url, method: 'GET' },
      });
      expect(res.body, url).not.toMatch(/127\.0\.0\.1|ECONNREFUSED/);
    }
  });

  it('an admin route whose token cannot be checked is a 503 too, not a 401 or a 500', async () => {
    const res = await deadApp.inject({
      method: 'GET',
      url: '/api/admin/logs/',
      headers: { authorization: `Bearer kgdb_${'a'.repeat(43)}` },
    });
    expect(res.statusCode).toBe(503);
    expect(res.json().error.code).toBe('DATABASE_UNAVAILABLE');
  });

  it('leaves the code on the reply for hooks that run after the error handler', async () => {
    const res = await deadApp.inject({ method: 'GET', url: '/api/genes/PKD1' });
    expect(res.statusCode).toBe(503);
    expect(seen.at(-1)).toEqual({ status: 503, code: 'DATABASE_UNAVAILABLE' });
    await app.inject({ method: 'GET', url: '/nope' });
    await deadApp.inject({ method: 'GET', url: '/nope' });
    expect(seen.at(-1)).toEqual({ status: 404, code: 'NOT_FOUND' });
  });
});

describe('GET /version', () => {
  it('names the backend, the server version and the latest migration', async () => {
    const res = await app.inject({ method: 'GET', url: '/version' });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.backend.name).toBe('kgdb');
    expect(body.database.version).toMatch(/^\d+\.\d+/);
    expect(body.database.migration).toMatch(/^\d{4}_/);
  });
});

describe('errors', () => {
  it('renders unknown routes in the error envelope', async () => {
    const res = await app.inject({ method: 'GET', url: '/nope?x=1' });
    expect(res.statusCode).toBe(404);
    expect(res.json().error).toMatchObject({
      status: 404,
      code: 'NOT_FOUND',
      meta: { path: '/nope', method: 'GET' },
    });
  });
});
