import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRefreshState } from '../../src/views/refresh-state.js';
import { addUser, bearer, buildAuthTestApp, loginAs } from '../auth/auth-test-kit.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

// /api/admin/views: `kgdb views status` and `kgdb views refresh` over HTTP (the console's refresh button).

let db: TestDatabase;
let app: FastifyInstance;
let admin: Record<string, string>;
let viewer: Record<string, string>;

beforeAll(async () => {
  db = await createTestDatabase();
  ({ app } = await buildAuthTestApp(db.pool, { loginRateLimit: { max: 1000, timeWindowMs: 60_000 } }));
  const a = await addUser(db.pool, 'admin');
  const v = await addUser(db.pool, 'viewer');
  admin = bearer(await loginAs(app, a.user.email, a.password));
  viewer = bearer(await loginAs(app, v.user.email, v.password));
});
afterAll(async () => {
  await app?.close();
  await db?.drop();
});

describe('GET /api/admin/views', () => {
  it('reports every declared view in dependency order, in sync after apply', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/admin/views', headers: admin });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.ok).toBe(true);
    const names = body.views.map((v: { name: string }) => v.name);
    const scores = body.views.find((v: { name: string }) => v.name === 'gene_scores');
    expect(scores).toMatchObject({ kind: 'materialized', state: 'in_sync' });
    // Dependency order: whatever gene_scores reads comes before it.
    for (const dep of scores.dependsOn.filter((d: string) => names.includes(d)))
      expect(names.indexOf(dep)).toBeLessThan(names.indexOf('gene_scores'));
  });

  it('is admin only', async () => {
    expect((await app.inject({ method: 'GET', url: '/api/admin/views' })).statusCode).toBe(401);
    expect((await app.inject({ method: 'GET', url: '/api/admin/views', headers: viewer })).statusCode).toBe(
      403,
    );
  });
});

describe('POST /api/admin/views/refresh', () => {
  it('refreshes one matview and the matviews reading it, and records the outcome', async () => {
    const before = (await readRefreshState(db.pool)).get('gene_list_facets')?.lastOutcomeAt ?? null;
    const res = await app.inject({
      method: 'POST',
      url: '/api/admin/views/refresh',
      headers: admin,
      payload: { name: 'gene_scores' },
    });
    expect(res.statusCode, res.body).toBe(200);
    const results = res.json().results as { name: string; outcome: string; duration_ms: number }[];
    expect(results[0]).toMatchObject({ name: 'gene_scores', outcome: 'refreshed', error: null });
    // gene_list_facets reads gene_scores: refreshed after it.
    expect(results.map((r) => r.name)).toContain('gene_list_facets');
    expect(results.every((r) => r.outcome === 'refreshed' && r.duration_ms >= 0)).toBe(true);
    const after = (await readRefreshState(db.pool)).get('gene_list_facets');
    expect(after?.lastOutcome).toBe('refreshed');
    expect(after?.lastOutcomeAt?.getTime()).toBeGreaterThan(before?.getTime() ?? 0);
  });

  it('refreshes every matview without a name', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/admin/views/refresh',
      headers: admin,
      payload: {},
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().results.map((r: { name: string }) => r.name)).toContain('source_overlap_statistics');
  });

  it('refuses an unknown view, a plain view and an unknown field, naming what is allowed', async () => {
    for (const [payload, pattern] of [
      [{ name: 'gene_scoers' }, /'gene_scoers' is not a declared materialized view\. Allowed: .*gene_scores/],
      [{ name: 'genes_current' }, /'genes_current' is not a declared materialized view/],
      [{ name: 'gene_scores', now: true }, /now/],
    ] as const) {
      const res = await app.inject({
        method: 'POST',
        url: '/api/admin/views/refresh',
        headers: admin,
        payload,
      });
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(res.json().error.detail).toMatch(pattern);
    }
  });

  it('is admin only', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/admin/views/refresh',
      headers: viewer,
      payload: {},
    });
    expect(res.statusCode).toBe(403);
  });
});
