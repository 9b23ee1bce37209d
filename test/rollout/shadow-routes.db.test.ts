import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueApiToken } from '../../src/auth/issue-api-token.js';
import { buildApp } from '../../src/http/app.js';
import { createLogger } from '../../src/logger.js';
import type { ExperimentDefinition } from '../../src/rollout/experiment-registry.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

let db: TestDatabase;
let app: FastifyInstance;
let admin: Record<string, string>;

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
  app = await buildApp({ logger: createLogger('silent'), pool: db.pool });
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
  for (const def of [same, ordered, broken]) app.rollout.experiments.register(def);
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
      detail: "Unknown experiment 'gene_lisst'. Allowed: route_broken, route_ordered, route_same",
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
  });

  it('with no body runs every registered endpoint', async () => {
    const res = await post('/run-batch');
    expect(res.statusCode).toBe(200);
    expect(res.json().endpoints.map((e: { endpoint: string }) => e.endpoint)).toEqual([
      'route_broken',
      'route_ordered',
      'route_same',
    ]);
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
    // run-single 1 + batch 6 + batch 10 (default samples per endpoint).
    expect(byName.route_same.ab.counts.match).toBe(17);
    expect(byName.route_same.ab.match_rate).toBe(1);
    expect(byName.route_broken.ab.counts).toMatchObject({ candidate_error: 1 + 2 + 3, match: 4 + 7 });
    expect(byName.route_ordered.aa.counts.match).toBe(1);
    expect(byName.route_ordered.ab.match_rate).toBe(0);
    expect(body.samples.length).toBeGreaterThan(0);
    expect(body.samples[0]).toMatchObject({
      experiment: expect.any(String),
      outcome: expect.any(String),
      diff: expect.any(Array),
    });
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
  it('not ready on too little data, on mismatches and on candidate errors, with the reasons and numbers', async () => {
    const res = await post('/validate-migration', {});
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.ready).toBe(false);
    expect(body.reasons).toContain('route_same: 17 compared samples < 100 required');
    const few = await post('/validate-migration', { min_samples: 5 });
    const reasons: string[] = few.json().reasons;
    expect(reasons.some((r) => r.startsWith('route_ordered: match rate 0.00 % < 95 %'))).toBe(true);
    expect(reasons).toContain('route_broken: 6 candidate errors and 0 timeouts (none allowed)');
    expect(reasons.some((r) => r.startsWith('route_same'))).toBe(false);
  });

  it('ready when every check passes for the chosen endpoints', async () => {
    const res = await post('/validate-migration', {
      endpoints: ['route_same'],
      min_samples: 10,
      max_latency_ratio: 100,
    });
    expect(res.json()).toMatchObject({
      ready: true,
      reasons: [],
      experiments: [{ experiment: 'route_same', compared: 17, match_rate: 1, candidate_errors: 0 }],
    });
    const e = res.json().experiments[0];
    expect(e.control_p50_ms).toBeGreaterThan(0);
    expect(e.candidate_p50_ms).toBeGreaterThan(0);
    expect(e.latency_ratio).toBeCloseTo(e.candidate_p50_ms / e.control_p50_ms, 2);
  });
});
