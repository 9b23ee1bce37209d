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

/** The app's experiments, sorted: the production graph's gene and log ones, and this file's. */
const REGISTERED = [
  'admin_logs',
  'gene_detail',
  'gene_evidence',
  'gene_list',
  'route_broken',
  'route_declared',
  'route_ordered',
  'route_same',
];

type Req = { min: number };
const list = async (req: Req, order: 'asc' | 'desc') =>
  (
    await db.pool.query(
      `select g as id, g * 1.5 as score from generate_series($1::int, $1::int + 4) g order by g ${order}`,
      [req.min],
    )
  ).rows;

beforeAll(async () => {
  db = await createTestDatabase();
  const composition = await composeTestApp(db.pool);
  app = composition.app;
  store = composition.flags;
  const same: ExperimentDefinition<Req, unknown> = {
    name: 'route_same',
    description: 'legacy and views agree',
    sampleRequests: () => [{ min: 1 }, { min: 10 }, { min: 100 }],
    control: (req) => list(req, 'asc'),
    candidate: (req) => list(req, 'desc'),
  };
  const ordered: ExperimentDefinition<Req, unknown> = {
    ...same,
    name: 'route_ordered',
    ordered: true,
  };
  const broken: ExperimentDefinition<Req, unknown> = {
    ...same,
    name: 'route_broken',
    candidate: async (req) => (req.min === 10 ? Promise.reject(new Error('no such view')) : list(req, 'asc')),
  };
  const declared: ExperimentDefinition<Req, Array<{ id: number; score: number }>> = {
    name: 'route_declared',
    sampleRequests: same.sampleRequests,
    description: 'the views score the first row one higher, a declared difference',
    control: async (req) => (await list(req, 'asc')).map((r) => ({ id: r.id, score: Number(r.score) })),
    candidate: async (req) =>
      (await list(req, 'asc')).map((r) => ({
        id: r.id,
        score: Number(r.score) + (r.id === req.min ? 1 : 0),
      })),
    rules: [
      {
        name: 'first_row_score',
        description: 'the first row scores one higher',
        // The segments lead to the control row: [row position, 'score'].
        explains: (d, control) =>
          d.kind === 'changed' &&
          d.segments[1] === 'score' &&
          control[d.segments[0] as number]?.id === Math.min(...control.map((r) => r.id)),
      },
    ],
  };
  for (const def of [same, ordered, broken]) app.rollout.experiments.register(def);
  app.rollout.experiments.register(declared);
  // Live traffic: the same experiment through the arm switch, as a routed repository would run it.
  app.get('/test/live', (request) => app.rollout.armSwitch.run(same, { min: 1 }, request));
  await app.ready();
  const { token } = await issueApiToken(db.pool, { role: 'admin', name: 'shadow routes test' });
  admin = { authorization: `Bearer ${token}` };
});
afterAll(async () => {
  await app?.close();
  await db?.drop();
});

const post = (url: string, payload?: Record<string, unknown>) =>
  app.inject({
    method: 'POST',
    url: `/api/admin/shadow-tests${url}`,
    headers: admin,
    ...(payload === undefined ? {} : { payload }),
  });

describe('POST /api/admin/shadow-tests/run-single', () => {
  it('runs one registered experiment now and returns the outcome and diff', async () => {
    const ok = await post('/run-single?endpoint=route_same');
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toMatchObject({
      endpoint: 'route_same',
      mode: 'ab',
      outcome: 'match',
      diff: [],
      request: { min: 1 },
    });
    expect(ok.json().control_ms).toBeGreaterThan(0);

    const mismatch = await post('/run-single?endpoint=route_ordered');
    expect(mismatch.json()).toMatchObject({ outcome: 'mismatch' });
    expect(mismatch.json().diff[0]).toBe('rows[0].id: 1 → 5');

    const failed = await post('/run-single?endpoint=route_broken&sample=1');
    expect(failed.json()).toMatchObject({
      outcome: 'candidate_error',
      diff: ['candidate failed: no such view'],
      request: { min: 10 },
    });

    const aa = await post('/run-single?endpoint=route_ordered&mode=aa');
    expect(aa.json()).toMatchObject({ mode: 'aa', outcome: 'match' });
  });

  it('an unknown endpoint is a 400 listing the registered names', async () => {
    const res = await post('/run-single?endpoint=gene_lisst');
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({
      code: 'INVALID_PARAMETER',
      source: { parameter: 'endpoint' },
      detail: `Unknown experiment 'gene_lisst'. Allowed: ${REGISTERED.join(', ')}`,
    });
    expect((await post('/run-single')).statusCode).toBe(400);
  });

  it('is admin only', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/admin/shadow-tests/run-single?endpoint=route_same',
    });
    expect(res.statusCode).toBe(401);
  });
});

describe('POST /api/admin/shadow-tests/run-batch', () => {
  it('runs N samples per endpoint and counts the outcomes', async () => {
    const res = await post('/run-batch', {
      endpoints: ['route_same', 'route_broken'],
      samples_per_endpoint: 6,
    });
    expect(res.statusCode).toBe(200);
    const [same, broken] = res.json().endpoints;
    expect(same).toMatchObject({
      endpoint: 'route_same',
      runs: 6,
      counts: { match: 6 },
      match_rate: 1,
      failures: [],
    });
    // Samples cycle min 1, 10, 100: two of six hit the failing request.
    expect(broken).toMatchObject({
      endpoint: 'route_broken',
      runs: 6,
      counts: { match: 4, candidate_error: 2 },
    });
    expect(broken.failures).toHaveLength(2);
    expect(broken.failures[0]).toMatchObject({ source: 'admin', outcome: 'candidate_error' });
  });

  it('with no body runs every registered endpoint', async () => {
    const res = await post('/run-batch');
    expect(res.statusCode).toBe(200);
    const endpoints: Array<{ endpoint: string; failures: unknown[] }> = res.json().endpoints;
    expect(endpoints.map((e) => e.endpoint)).toEqual(REGISTERED);
    const declared = endpoints.find((e) => e.endpoint === 'route_declared');
    expect(declared).toMatchObject({
      counts: { ignored: 10, mismatch: 0 },
      ignored_by_rule: { first_row_score: 10 },
      match_rate: 1,
    });
    expect(declared?.failures[0]).toMatchObject({
      outcome: 'ignored',
      rules: ['first_row_score'],
      diff: ['rows[id=1].score: 1.5 → 2.5'],
    });
  });

  it('validates the body: unknown fields, ranges, unknown endpoints', async () => {
    const unknown = await post('/run-batch', { samples: 3, endpoint: 'x' });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error.detail).toBe(
      "Unknown fields 'samples', 'endpoint'. Allowed: endpoints, samples_per_endpoint, mode",
    );
    expect((await post('/run-batch', { samples_per_endpoint: 0 })).statusCode).toBe(400);
    expect((await post('/run-batch', { mode: 'ba' })).statusCode).toBe(400);
    const bad = await post('/run-batch', { endpoints: ['nope'] });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.source.parameter).toBe('endpoints');
  });
});

describe('GET /api/admin/shadow-tests/results', () => {
  it('real counts per experiment and outcome, match rates, and recent non-matching samples with diffs', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/admin/shadow-tests/results', headers: admin });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    const byName = Object.fromEntries(body.experiments.map((e: { experiment: string }) => [e.experiment, e]));
    // All admin runs so far: run-single 1 + batch 6 + batch 10 (default samples per endpoint).
    expect(byName.route_same.admin.ab.counts.match).toBe(17);
    expect(byName.route_same.admin.ab.match_rate).toBe(1);
    expect(byName.route_same.live.ab).toMatchObject({ total: 0, compared: 0, match_rate: null });
    expect(byName.route_broken.admin.ab.counts).toMatchObject({ candidate_error: 1 + 2 + 3, match: 4 + 7 });
    expect(byName.route_ordered.admin.aa.counts.match).toBe(1);
    expect(byName.route_ordered.admin.ab.match_rate).toBe(0);
    expect(byName.route_declared.admin.ab).toMatchObject({
      counts: { ignored: 10 },
      ignored_by_rule: { first_row_score: 10 },
      match_rate: 1,
    });
    expect(body.samples.length).toBeGreaterThan(0);
    expect(body.samples[0]).toMatchObject({
      experiment: expect.any(String),
      outcome: expect.any(String),
      source: 'admin',
      diff: expect.any(Array),
    });
    const declared = await app.inject({
      method: 'GET',
      url: '/api/admin/shadow-tests/results?experiment=route_declared&samples=1',
      headers: admin,
    });
    expect(declared.json().samples[0]).toMatchObject({ outcome: 'ignored', rules: ['first_row_score'] });
    const filtered = await app.inject({
      method: 'GET',
      url: '/api/admin/shadow-tests/results?experiment=route_ordered&samples=2',
      headers: admin,
    });
    expect(filtered.json().experiments).toHaveLength(1);
    expect(filtered.json().samples).toHaveLength(2);
    expect(filtered.json().samples[0].diff[0]).toBe('rows[0].id: 1 → 5');
  });
});

describe('POST /api/admin/shadow-tests/validate-migration', () => {
  it('decides on live evidence by default: admin runs alone are too few samples, and reported apart', async () => {
    const res = await post('/validate-migration', { min_samples: 5 });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ ready: false, source: 'live' });
    expect(body.reasons).toContain('route_same: 0 compared samples < 5 required');
    expect(body.experiments.find((e: { experiment: string }) => e.experiment === 'route_same')).toMatchObject(
      {
        compared: 0,
      },
    );
    expect(
      body.admin_experiments.find((e: { experiment: string }) => e.experiment === 'route_same'),
    ).toMatchObject({ compared: 17, match_rate: 1 });
    expect(body.all_experiments).toBeUndefined();
  });

  it('not ready on too little data, on mismatches and on candidate errors, with the reasons and numbers', async () => {
    const res = await post('/validate-migration', { source: 'admin' });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.ready).toBe(false);
    expect(body.reasons).toContain('route_same: 17 compared samples < 100 required');
    // Latency is not what this checks: 17 runs of a few ms are too few for a stable p50 ratio.
    const few = await post('/validate-migration', {
      min_samples: 5,
      source: 'admin',
      max_latency_ratio: 100,
    });
    const reasons: string[] = few.json().reasons;
    expect(reasons.some((r) => r.startsWith('route_ordered: match rate 0.00 % < 95 %'))).toBe(true);
    expect(reasons).toContain('route_broken: 6 candidate errors and 0 timeouts (none allowed)');
    expect(reasons.some((r) => r.startsWith('route_same'))).toBe(false);
    // Declared differences count as matches, and are reported by rule.
    expect(reasons.some((r) => r.startsWith('route_declared: match rate'))).toBe(false);
    const declared = few
      .json()
      .admin_experiments.find((e: { experiment: string }) => e.experiment === 'route_declared');
    expect(declared).toMatchObject({ ignored: 10, ignored_by_rule: { first_row_score: 10 }, match_rate: 1 });
  });

  it("validates source: 'live', 'admin' or 'all', listed with the allowed fields", async () => {
    const bad = await post('/validate-migration', { source: 'shadow' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('INVALID_PARAMETER');
    const unknown = await post('/validate-migration', { sources: 'admin' });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error.detail).toBe(
      "Unknown field 'sources'. Allowed: endpoints, window_seconds, min_samples, min_match_rate, max_latency_ratio, source",
    );
  });

  it('ready when every check passes for the chosen endpoints', async () => {
    const res = await post('/validate-migration', {
      endpoints: ['route_same'],
      min_samples: 10,
      max_latency_ratio: 100,
      source: 'admin',
    });
    expect(res.json()).toMatchObject({
      ready: true,
      reasons: [],
      source: 'admin',
      admin_experiments: [{ experiment: 'route_same', compared: 17, match_rate: 1, candidate_errors: 0 }],
    });
    const e = res.json().admin_experiments[0];
    expect(e.control_p50_ms).toBeGreaterThan(0);
    expect(e.candidate_p50_ms).toBeGreaterThan(0);
    expect(e.latency_ratio).toBeCloseTo(e.candidate_p50_ms / e.control_p50_ms, 2);
  });
});

describe('live traffic and admin runs, side by side', () => {
  const LIVE_CALLS = 12;

  it('calls through the arm switch are recorded as live, next to the admin runs', async () => {
    // The legacy arm serves and every call is shadowed, whatever a migration set the flags to.
    await store.update('use_database_views', { step: 0 }, { actor: 'test' });
    await store.update('enable_shadow_testing', { percentage: 100 }, { actor: 'test' });
    for (let i = 0; i < LIVE_CALLS; i++) {
      const res = await app.inject({ url: '/test/live', headers: { 'x-client-id': `live-${i}` } });
      expect(res.statusCode).toBe(200);
      // One shadow at a time, so none is skipped at the in-flight cap.
      await app.rollout.experimenter.drain();
    }
    expect(app.rollout.experimenter.stats().skipped).toBe(0);
    const res = await app.inject({
      method: 'GET',
      url: '/api/admin/shadow-tests/results?experiment=route_same',
      headers: admin,
    });
    const [same] = res.json().experiments;
    expect(same.live.ab.counts.match).toBe(LIVE_CALLS);
    expect(same.admin.ab.counts.match).toBe(17);
  });

  it('validate-migration decides on live evidence, on admin runs, or on both', async () => {
    const body = { endpoints: ['route_same'], min_samples: 10, max_latency_ratio: 100 };
    const live = (await post('/validate-migration', body)).json();
    expect(live).toMatchObject({
      ready: true,
      source: 'live',
      experiments: [{ experiment: 'route_same', compared: LIVE_CALLS }],
      admin_experiments: [{ experiment: 'route_same', compared: 17 }],
    });
    const strict = (await post('/validate-migration', { ...body, min_samples: 15 })).json();
    expect(strict.reasons).toEqual([`route_same: ${LIVE_CALLS} compared samples < 15 required`]);
    const all = (await post('/validate-migration', { ...body, min_samples: 15, source: 'all' })).json();
    expect(all).toMatchObject({
      ready: true,
      source: 'all',
      all_experiments: [{ experiment: 'route_same', compared: LIVE_CALLS + 17 }],
    });
  });
});
