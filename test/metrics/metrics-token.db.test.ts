import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueApiToken } from '../../src/auth/issue-api-token.js';
import { buildAuthTestApp } from '../auth/auth-test-kit.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

const TOKEN = 'scrape-3f9c1a7e5b2d4c6f8a0b';

let db: TestDatabase;
let open: FastifyInstance;
let guarded: FastifyInstance;
let adminToken: string;

beforeAll(async () => {
  db = await createTestDatabase();
  open = (await buildAuthTestApp(db.pool)).app;
  guarded = (await buildAuthTestApp(db.pool, { metricsToken: TOKEN })).app;
  adminToken = (await issueApiToken(db.pool, { role: 'admin' })).token;
});
afterAll(async () => {
  await open.close();
  await guarded.close();
  await db.drop();
});

const scrape = (app: FastifyInstance, authorization?: string) =>
  app.inject({ method: 'GET', url: '/metrics', headers: authorization ? { authorization } : {} });

describe('GET /metrics without KGDB_METRICS_TOKEN', () => {
  it('is public, and ignores credentials it does not need', async () => {
    for (const authorization of [undefined, 'Bearer not-a-token', `Bearer ${TOKEN}`]) {
      const res = await scrape(open, authorization);
      expect(res.statusCode, String(authorization)).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/plain/);
      expect(res.body).toContain('kgdb_http_request_duration_seconds');
    }
  });
});

describe('GET /metrics with KGDB_METRICS_TOKEN', () => {
  it('answers the Prometheus text to Authorization: Bearer <the token>', async () => {
    for (const authorization of [`Bearer ${TOKEN}`, `bearer ${TOKEN}`]) {
      const res = await scrape(guarded, authorization);
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain('kgdb_http_request_duration_seconds');
    }
  });

  it('answers 401 in the envelope without it, with another token, or with an admin credential', async () => {
    const cases = [
      [undefined, 'Bearer'],
      [`Bearer ${TOKEN}x`, 'Bearer error="invalid_token"'],
      [`Bearer ${TOKEN.slice(0, -1)}`, 'Bearer error="invalid_token"'],
      [`Bearer ${adminToken}`, 'Bearer error="invalid_token"'],
      [`Basic ${Buffer.from(`u:${TOKEN}`).toString('base64')}`, 'Bearer error="invalid_token"'],
    ] as const;
    for (const [authorization, challenge] of cases) {
      const res = await scrape(guarded, authorization);
      expect(res.statusCode, String(authorization)).toBe(401);
      expect(res.headers['www-authenticate']).toBe(challenge);
      expect(res.json().error).toMatchObject({
        status: 401,
        code: 'UNAUTHORIZED',
        detail: 'GET /metrics requires the metrics token (KGDB_METRICS_TOKEN)',
        meta: { path: '/metrics', method: 'GET' },
      });
    }
  });

  it('guards /metrics only: other public routes stay open and the token opens no admin route', async () => {
    expect((await guarded.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
    const admin = await guarded.inject({
      method: 'GET',
      url: '/api/admin/metrics/views',
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(admin.statusCode).toBe(401);
  });
});
