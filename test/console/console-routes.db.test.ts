import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Composition } from '../../src/app/compose.js';
import { DEFAULT_GUARD_THRESHOLDS } from '../../src/config.js';
import { seedDemo } from '../../src/data/demo/seed-demo.js';
import type { Measured } from '../../src/rollout/guard/guard-measure.js';
import { verdictRow, writeVerdict } from '../../src/rollout/guard/guard-verdict-store.js';
import { APP_VERSION } from '../../src/version.js';
import { VIEWS } from '../../src/views/defs/index.js';
import { addUser, bearer, buildAuthTestApp, loginAs } from '../auth/auth-test-kit.js';
import { createTestDatabase, startFlagsAtZero, type TestDatabase } from '../helpers/db.js';
import { refreshMaterializedViews } from '../helpers/views.js';

// GET /api/console/state, the one read the console page polls, and the pages and assets around it.

let db: TestDatabase;
let composition: Composition;
let app: FastifyInstance;
let adminToken: string;
let viewerToken: string;

const FLAG = 'use_database_views';

async function state(token = viewerToken) {
  const res = await app.inject({ method: 'GET', url: '/api/console/state', headers: bearer(token) });
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

beforeAll(async () => {
  db = await createTestDatabase(8);
  await seedDemo(db.pool, { genes: 120, evidence: 400, logs: 0, seed: 5, now: new Date('2025-06-01') });
  await refreshMaterializedViews(db.pool);
  await startFlagsAtZero(db.pool);
  ({ app, composition } = await buildAuthTestApp(db.pool, {
    loginRateLimit: { max: 1000, timeWindowMs: 60_000 },
  }));
  const admin = await addUser(db.pool, 'admin');
  const viewer = await addUser(db.pool, 'viewer');
  adminToken = await loginAs(app, admin.user.email, admin.password);
  viewerToken = await loginAs(app, viewer.user.email, viewer.password);
});
afterAll(async () => {
  await app?.close();
  await db?.drop();
});

describe('GET /api/console/state', () => {
  it('needs a signed-in user of any role; says who may act', async () => {
    const anonymous = await app.inject({ method: 'GET', url: '/api/console/state' });
    expect(anonymous.statusCode).toBe(401);
    expect((await state(viewerToken)).user).toMatchObject({ role: 'viewer', can_act: false });
    expect((await state(adminToken)).user).toMatchObject({ role: 'admin', can_act: true });
    const withQuery = await app.inject({
      method: 'GET',
      url: '/api/console/state?x=1',
      headers: bearer(viewerToken),
    });
    expect(withQuery.statusCode).toBe(400);
  });

  it('lists the rollout flag first with its position, next step and events, read from PostgreSQL', async () => {
    // Plain SQL, as an operator's psql would: the state shows it on the next read, on any instance.
    await db.pool.query(`update feature_flags set step = 2 where key = $1`, [FLAG]);
    const s = await state();
    expect(s.plan).toEqual({ flag: FLAG, candidate_arm: 'views', control_arm: 'legacy' });
    expect(s.flags.map((f: { key: string }) => f.key)).toEqual([FLAG, 'enable_shadow_testing']);
    expect(s.flags[0]).toMatchObject({
      step: 2,
      percentage: 25,
      next: { step: 3, percentage: 50 },
      guard: null,
    });
    expect(s.flags[0].events[0]).toMatchObject({
      changes: [
        { field: 'percentage', from: 0, to: 25 },
        { field: 'step', from: 0, to: 2 },
      ],
    });
    expect(s.guard.thresholds).toEqual(DEFAULT_GUARD_THRESHOLDS);
  });

  it("shows the guard leader's latest verdict, and whether it judged the flag's current version", async () => {
    const flag = await composition.flags.getOrThrow(FLAG);
    const measured = { samples: 12 } as Measured;
    await writeVerdict(
      db.pool,
      verdictRow({
        flagKey: FLAG,
        at: new Date(),
        instanceId: 'leader-1',
        verdict: {
          kind: 'hold',
          why: 'too_few_samples',
          healthy: false,
          reasons: ['12 samples < 100'],
          measured,
        },
        thresholds: DEFAULT_GUARD_THRESHOLDS,
        acted: null,
        flagVersion: flag.version,
      }),
    );
    expect((await state()).flags[0].guard).toMatchObject({
      instance_id: 'leader-1',
      kind: 'hold',
      why: 'too_few_samples',
      reasons: ['12 samples < 100'],
      current: true,
    });
    await composition.flags.update(FLAG, { step: 3 }, { actor: 'test' });
    expect((await state()).flags[0].guard.current).toBe(false);
  });

  it('reports per arm exactly what was served, on one time axis, and is itself kept out of the request log', async () => {
    await composition.flagSnapshot.reload();
    const before = await state();
    for (let i = 0; i < 7; i++) {
      const res = await app.inject({ method: 'GET', url: `/api/genes/?page[number]=${i + 1}` });
      expect(res.statusCode).toBe(200);
    }
    await composition.rollout.writer.flush();
    const after = await state();
    const legacy = after.evidence.arms.legacy.requests - before.evidence.arms.legacy.requests;
    expect(legacy + (after.evidence.arms.views.requests - before.evidence.arms.views.requests)).toBe(7);
    const { series } = after.evidence;
    expect(series.t.length).toBeGreaterThanOrEqual(360);
    for (const arm of ['legacy', 'views']) {
      const total =
        series.arms[arm].requests_per_s.reduce((a: number, b: number) => a + b, 0) * series.bucket_seconds;
      expect(Math.round(total)).toBe(after.evidence.arms[arm].requests);
      expect(series.arms[arm].requests_per_s).toHaveLength(series.t.length);
    }
    expect(after.experiments.live.map((e: { experiment: string }) => e.experiment)).toEqual(
      composition.rollout.experiments.names(),
    );

    await composition.parts.requestLog.flush();
    const { rows } = await db.pool.query(
      `select count(*)::int as n from system_logs where path = '/api/console/state'`,
    );
    expect(rows[0].n).toBe(0);
    const genes = await db.pool.query(`select count(*)::int as n from system_logs where path = '/api/genes'`);
    expect(genes.rows[0].n).toBe(7);
  });

  it('shows the latest mismatch samples; their request and differing rows to admins only', async () => {
    await db.pool.query(
      `insert into kgdb_experiment_samples (experiment, mode, outcome, source, at, instance_id, diff, rules, request,
              control_ms, candidate_ms)
       values ('gene_list', 'ab', 'mismatch', 'live', now(), 'test', array['data[0].x: 1 → 2'], '{}',
               '{"page": 1}'::jsonb, 1, 2)`,
    );
    const forAdmin = (await state(adminToken)).experiments.samples[0];
    expect(forAdmin).toMatchObject({ diff: ['data[0].x: 1 → 2'], request: { page: 1 }, redacted: false });
    const forViewer = (await state(viewerToken)).experiments.samples[0];
    expect(forViewer).toMatchObject({
      experiment: 'gene_list',
      outcome: 'mismatch',
      diff: [],
      request: null,
      redacted: true,
    });
  });

  it('shows every declared view with its state, and the cache of this instance', async () => {
    const s = await state();
    expect(s.views.ok).toBe(true);
    expect(s.views.views.map((v: { name: string }) => v.name).sort()).toEqual(
      VIEWS.map((v) => v.name).sort(),
    );
    const scores = s.views.views.find((v: { name: string }) => v.name === 'gene_scores');
    expect(scores).toMatchObject({ kind: 'materialized', state: 'in_sync' });
    expect(scores.rowCount).toBeGreaterThan(0);
    expect(s.cache.scope).toBe('instance');
    expect(s.cache.namespaces.map((n: { namespace: string }) => n.namespace)).toContain('gene_list');
  });
});

describe('the console page and its assets', () => {
  it('serves the page with a strict content security policy, signed out without a session', async () => {
    const res = await app.inject({ method: 'GET', url: '/console' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(res.body).toContain('<body>');
    expect(res.body).not.toContain('data-session');
  });

  it('marks the page signed in when the request carries a valid session cookie', async () => {
    const viewer = await addUser(db.pool, 'viewer');
    const login = await app.inject({
      method: 'POST',
      url: '/api/auth/session',
      payload: { username: viewer.user.email, password: viewer.password },
    });
    const cookie = login.cookies.find((c) => c.name === 'kgdb_session');
    const res = await app.inject({
      method: 'GET',
      url: '/console',
      cookies: { kgdb_session: cookie?.value ?? '' },
    });
    expect(res.body).toContain('<body data-session="active">');
    const forged = await app.inject({ method: 'GET', url: '/console', cookies: { kgdb_session: 'a.b.c' } });
    expect(forged.body).not.toContain('data-session');
  });

  it('serves the whitelisted assets, the charting library included, and names the known ones otherwise', async () => {
    for (const [file, type] of [
      ['console.js', 'text/javascript; charset=utf-8'],
      ['console.css', 'text/css; charset=utf-8'],
      ['uPlot.esm.js', 'text/javascript; charset=utf-8'],
      ['uPlot.min.css', 'text/css; charset=utf-8'],
    ]) {
      const res = await app.inject({ method: 'GET', url: `/console/assets/${file}` });
      expect(res.statusCode, file).toBe(200);
      expect(res.headers['content-type']).toBe(type);
      expect(res.body.length).toBeGreaterThan(100);
    }
    const missing = await app.inject({ method: 'GET', url: '/console/assets/..%2Fconsole-routes.ts' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.detail).toMatch(
      /Known: console\.js, console\.css, uPlot\.esm\.js, uPlot\.min\.css/,
    );
  });

  it('the root answers a browser with a page of links, anyone else with the same links as JSON', async () => {
    const browser = await app.inject({
      method: 'GET',
      url: '/',
      headers: { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' },
    });
    expect(browser.statusCode).toBe(200);
    expect(browser.headers['content-type']).toMatch(/^text\/html/);
    expect(browser.headers.vary).toBe('Accept');
    expect(browser.body).toContain('href="/console"');
    expect(browser.body).toContain('href="/docs"');

    for (const accept of [undefined, '*/*', 'application/json', 'text/html;q=0.5, application/json']) {
      const res = await app.inject({ method: 'GET', url: '/', headers: accept ? { accept } : {} });
      expect(res.statusCode, accept).toBe(200);
      expect(res.headers['content-type'], accept).toMatch(/^application\/json/);
      const index = res.json();
      expect(index.name).toBe('kgdb');
      expect(index.version).toBe(APP_VERSION);
      for (const path of Object.values(index.links) as string[]) {
        const linked = await app.inject({ method: 'GET', url: path });
        expect(linked.statusCode, path).not.toBe(404);
      }
    }
  });
});
