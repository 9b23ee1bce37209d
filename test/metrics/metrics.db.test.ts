import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueApiToken } from '../../src/auth/issue-api-token.js';
import type { ExperimentDefinition } from '../../src/rollout/experiments/experiment-registry.js';
import type { FlagStore } from '../../src/rollout/flags/flag-store.js';
import { composeTestApp } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

let db: TestDatabase;
let app: FastifyInstance;
let store: FlagStore;
let admin: Record<string, string>;

const METRIC_NAMES = [
  'kgdb_http_request_duration_seconds',
  'kgdb_http_errors_total',
  'kgdb_experiment_outcomes_total',
  'kgdb_experiment_duration_seconds',
  'kgdb_experiment_verify_skipped_total',
  'kgdb_flag_evaluations_total',
  'kgdb_db_pool_connections',
  'kgdb_view_staleness_seconds',
  'kgdb_view_refresh_duration_seconds',
  'kgdb_view_refreshes_total',
  'kgdb_rollout_aborted_total',
  'kgdb_rollout_percentage',
];

beforeAll(async () => {
  db = await createTestDatabase();
  const composition = await composeTestApp(db.pool);
  app = composition.app;
  store = composition.flags;
  // What the refresher exposes (RefreshStatsSource); the real one is wired by `kgdb serve`. The app's rollout
  // reports to the composition's Metrics (rollout itself only knows its reporting interface).
  composition.metrics.watch({
    refresher: {
      stats: () => [
        {
          name: 'gene_scores_mv',
          stalenessSeconds: 3,
          ageSeconds: 40,
          lastDurationMs: 1250,
          refreshed: 4,
          skipped: 1,
          failed: 0,
        },
      ],
    },
  });
  const def: ExperimentDefinition<{ id: string; fail: boolean }, unknown> = {
    name: 'metrics_items',
    sampleRequests: () => [{ id: '1', fail: false }],
    control: async (req) => {
      if (req.fail) throw new Error('legacy failed');
      return (await db.pool.query('select $1::int as id', [req.id])).rows;
    },
    candidate: async (req) => (await db.pool.query('select $1::int as id', [req.id])).rows,
  };
  app.rollout.experiments.register(def);
  app.get<{ Params: { id: string }; Querystring: { fail?: string } }>(
    '/test/metrics/items/:id',
    // Declared: a route without a query string schema rejects every key.
    { schema: { querystring: { type: 'object', properties: { fail: { type: 'string' } } } } },
    async (request) =>
      app.rollout.armSwitch.run(def, { id: request.params.id, fail: request.query.fail === '1' }, request),
  );
  await app.ready();
  // The legacy arm serves until a test moves the rollout (a fresh database may start on the views).
  await store.update('use_database_views', { step: 0 }, { actor: 'test' });
  const { token } = await issueApiToken(db.pool, { role: 'admin', name: 'metrics test' });
  admin = { authorization: `Bearer ${token}` };
});
afterAll(async () => {
  await app?.close();
  await db?.drop();
});

const views = async (query = '') => {
  const res = await app.inject({ method: 'GET', url: `/api/admin/metrics/views${query}`, headers: admin });
  expect(res.statusCode).toBe(200);
  return res.json();
};

describe('GET /metrics', () => {
  it('exposes every kgdb metric, labelled by route template and arm — never a raw id or URL', async () => {
    await store.update('enable_shadow_testing', { percentage: 100 }, { actor: 'test' });
    for (const id of ['918273', '918274']) {
      expect((await app.inject({ method: 'GET', url: `/test/metrics/items/${id}` })).statusCode).toBe(200);
    }
    expect((await app.inject({ method: 'GET', url: '/test/metrics/items/5?fail=1' })).statusCode).toBe(500);
    expect((await app.inject({ method: 'GET', url: '/no/such/route/77665544' })).statusCode).toBe(404);
    await app.rollout.experimenter.drain();

    const res = await app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    const text = res.body;
    for (const name of METRIC_NAMES) expect(text).toContain(`# TYPE ${name} `);
    expect(text).toContain(
      'kgdb_http_request_duration_seconds_bucket{le="0.2",route="/test/metrics/items/:id",method="GET",arm="legacy",status_class="2xx"} 2',
    );
    expect(text).toContain(
      'kgdb_http_errors_total{arm="legacy",route="/test/metrics/items/:id",type="server_error"} 1',
    );
    expect(text).toContain('route="unmatched"');
    expect(text).toContain(
      'kgdb_experiment_outcomes_total{experiment="metrics_items",mode="ab",outcome="match",source="live"} 2',
    );
    expect(text).toContain(
      'kgdb_experiment_outcomes_total{experiment="metrics_items",mode="ab",outcome="control_error",source="live"} 1',
    );
    expect(text).toMatch(
      /kgdb_flag_evaluations_total\{flag="use_database_views",variant="off",reason="split"\} \d+/,
    );
    expect(text).toMatch(/kgdb_db_pool_connections\{state="max"\} 5/);
    expect(text).toContain('kgdb_view_staleness_seconds{view="gene_scores_mv"} 3');
    expect(text).toContain('kgdb_view_refresh_duration_seconds{view="gene_scores_mv"} 1.25');
    expect(text).toContain('kgdb_view_refreshes_total{view="gene_scores_mv",outcome="skipped"} 1');
    expect(text).toContain('kgdb_rollout_percentage{flag="enable_shadow_testing"} 100');
    for (const raw of ['918273', '918274', '77665544', 'fail=1']) expect(text).not.toContain(raw);
  });

  it('is public (like upstream); the views page is admin only', async () => {
    expect((await app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/api/admin/metrics/views' })).statusCode).toBe(401);
  });
});

describe('GET /api/admin/metrics/views: computed from the live window of all instances', () => {
  it('reports the rollout from the flag snapshot, and numbers that follow traffic', async () => {
    await store.update('use_database_views', { step: 2 }, { actor: 'test', reason: 'metrics test' });
    const before = await views();
    expect(before.rollout).toMatchObject({ enabled: true, strategy: 'gradual', percentage: 25, step: 2 });
    expect(before.cache_hit_rate).toBeNull();
    expect(before.window.seconds).toBe(60);

    // A fresh client id per call spreads the calls over both arms (25 % views).
    const n = 40;
    for (let i = 0; i < n; i++) {
      await app.inject({
        method: 'GET',
        url: `/test/metrics/items/${i}`,
        headers: { 'x-client-id': `m${i}` },
      });
    }
    await app.inject({
      method: 'GET',
      url: '/test/metrics/items/1?fail=1',
      headers: { 'x-client-id': 'always-legacy-9' },
    });
    await app.rollout.experimenter.drain();
    const after = await views();
    const served = (s: typeof before) => s.arms.views.requests + s.arms.legacy.requests;
    expect(served(after) - served(before)).toBe(n + 1);
    expect(after.arms.views.requests).toBeGreaterThan(0);
    expect(after.arms.legacy.requests).toBeGreaterThan(before.arms.legacy.requests);
    expect(after.arms.legacy.p50_ms).toBeGreaterThan(0);
    expect(after.arms.legacy.p99_ms).toBeGreaterThanOrEqual(after.arms.legacy.p50_ms);
    expect(after.shadow.runs).toBeGreaterThan(before.shadow.runs);
    expect(after.shadow.match_rate).toBe(1);
    expect(after.error_rate).toBeGreaterThan(0);
    expect(after.error_rate).toBe(
      Number(((after.arms.views.errors + after.arms.legacy.errors) / served(after)).toFixed(6)),
    );
    expect(after.window.instances).toBe(1);
  });

  it('admin runs are labelled source="admin" in Prometheus and stay out of the live shadow numbers', async () => {
    const before = await views();
    const run = await app.inject({
      method: 'POST',
      url: '/api/admin/shadow-tests/run-single?endpoint=metrics_items',
      headers: admin,
    });
    expect(run.json()).toMatchObject({ source: 'admin', outcome: 'match' });
    const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(text).toContain(
      'kgdb_experiment_outcomes_total{experiment="metrics_items",mode="ab",outcome="match",source="admin"} 1',
    );
    expect(text).toMatch(
      /kgdb_experiment_duration_seconds_count\{experiment="metrics_items",side="candidate",source="admin"\} 1/,
    );
    expect((await views()).shadow.runs).toBe(before.shadow.runs);
  });

  it('rejects unknown and out-of-range parameters with 400', async () => {
    const bad = await app.inject({ method: 'GET', url: '/api/admin/metrics/views?window=5', headers: admin });
    expect(bad.statusCode).toBe(400);
    const small = await app.inject({
      method: 'GET',
      url: '/api/admin/metrics/views?window_seconds=1',
      headers: admin,
    });
    expect(small.statusCode).toBe(400);
    expect((await views('?window_seconds=600')).window.seconds).toBe(600);
  });
});
