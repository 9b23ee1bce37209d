import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/http/app.js';
import { createLogger } from '../../src/logger.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

let db: TestDatabase;
let app: FastifyInstance;

beforeAll(async () => {
  db = await createTestDatabase();
  app = await buildApp({ logger: createLogger('silent'), pool: db.pool });
});
afterAll(async () => {
  await app.close();
  await db.drop();
});

describe('GET /health', () => {
  it('reports the database reachable and the pool numbers', async () => {
    const res = await app.inject({ method: 'GET', url: '/health' });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ status: 'healthy', database: 'ok', pool: { max: 5 } });
    expect(body.pool.total).toBeGreaterThanOrEqual(1);
  });

  it('answers 503 when the database is gone', async () => {
    const { createPool } = await import('../../src/db/pool.js');
    const dead = createPool({ connectionString: 'postgres://nobody:x@127.0.0.1:1/none', max: 1 });
    const deadApp = await buildApp({ logger: createLogger('silent'), pool: dead });
    const res = await deadApp.inject({ method: 'GET', url: '/health' });
    expect(res.statusCode).toBe(503);
    expect(res.json().status).toBe('unhealthy');
    await deadApp.close();
    await dead.end();
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
