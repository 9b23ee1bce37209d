import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../src/app/serve.js';
import { issueApiToken } from '../../src/auth/issue-api-token.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { silentProgress } from '../../src/progress.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { insertGenes, refreshMaterializedViews } from '../helpers/views.js';
import { insertLogs } from '../logs/log-fixture.js';
import { type FuzzRequest, fuzzRequest, type RouteSpec, routesOf } from './fuzz-requests.js';

/**
 * Property: no request, whatever its path, query, body, content type or method, makes the server answer 5xx
 * or leak a stack trace or SQL. Seeded and reproducible: SEED (or KGDB_FUZZ_SEED) fixes every request; a
 * failure prints the seed, the request and the response. Through the real composition root (startServer),
 * anonymous and as an admin, on both arms of use_database_views: the first half on the views (the test
 * database starts at 100 %), the second on the legacy arm (step 0).
 */

const SEED = Number(process.env.KGDB_FUZZ_SEED ?? 20_261_202);
/** Requests per arm = RUNS × BATCH (10,000); a batch is sent concurrently, as clients would. */
const RUNS = Number(process.env.KGDB_FUZZ_RUNS ?? 400);
const BATCH = 25;

/** Text only a stack trace or a PostgreSQL error carries; no generated value contains any of it. */
const LEAKS: [string, RegExp][] = [
  ['stack frame', /(?:\n|\\n)\s*at \S+ \(|\((?:file:\/\/|node:)[^)]*:\d+:\d+\)|\.(?:ts|js|mjs):\d+:\d+/],
  ['source path', /(?:node:internal|node_modules\/|\/src\/[\w/-]+\.ts)/],
  ['SQL', /\bselect\s/i],
  [
    'PostgreSQL error',
    /syntax error|invalid input syntax|invalid byte sequence|out of range for type|violates/i,
  ],
  ['PostgreSQL object', /relation "|column "|\bpg_[a-z]/],
];

let db: TestDatabase;
let server: RunningServer;
let adminAuth: string;
let routes: RouteSpec[];
/** The fixture's own log rows end here; the request log adds one row per fuzzed request after them. */
let lastFixtureLog = 0;
let batches = 0;
type Arm = 'views' | 'legacy';
const stats = { requests: 0, byStatus: new Map<number, number>() };
const sent: Record<Arm, number> = { views: 0, legacy: 0 };
/** Responses by the arm named in their Server-Timing header, per half of the run. */
const servedIn: Record<Arm, Map<string, number>> = { views: new Map(), legacy: new Map() };

beforeAll(async () => {
  db = await createTestDatabase();
  await insertGenes(db.pool, [
    {
      symbol: 'PKD1',
      hgncId: 'HGNC:9008',
      aliases: ['PBP'],
      evidence: { ClinGen: { classifications: ['Definitive'] } },
    },
    {
      symbol: 'PKD2',
      hgncId: 'HGNC:9009',
      evidence: { PanelApp: { panels: ['Cystic kidney disease'] }, HPO: {} },
    },
    { symbol: 'NPHS1', hgncId: 'HGNC:7908', evidence: { GenCC: { classifications: ['Strong'] } } },
    { symbol: 'COL4A5', evidence: {} },
  ]);
  const logIds = await insertLogs(db.pool, [
    {
      timestamp: '2026-10-01T08:00:00Z',
      logger: 'kgdb.request',
      path: '/api/genes/',
      method: 'GET',
      status_code: 200,
      duration_ms: 3.5,
    },
    {
      timestamp: '2026-10-01T09:00:00Z',
      level: 'ERROR',
      logger: 'kgdb.db',
      message: 'x',
      path: '/api/genes/:gene_symbol',
      status_code: 404,
    },
  ]);
  lastFixtureLog = Math.max(...logIds);
  await refreshMaterializedViews(db.pool);
  const config = { ...loadConfig({ DATABASE_URL: db.url, KGDB_SEED_DEMO: 'false' }), port: 0, poolSize: 8 };
  server = await startServer(config, createLogger('silent'), silentProgress);
  const { token } = await issueApiToken(db.pool, { role: 'admin', name: 'fuzz' });
  adminAuth = `Bearer ${token}`;
  const doc = (await server.app.inject({ url: '/openapi.json' })).json();
  routes = routesOf(doc);
  // Undocumented but served: the document itself and the API docs page.
  for (const path of ['/openapi.json', '/docs', '/docs/static/index.html'])
    routes.push({ method: 'GET', path, pathParams: [], query: [], body: undefined });
});
afterAll(async () => {
  const json = (m: Map<unknown, number>) => JSON.stringify(Object.fromEntries(m));
  console.log(
    `fuzz seed ${SEED}: ${stats.requests} requests over ${routes?.length} routes; by status ${json(stats.byStatus)}; ` +
      `served by views/legacy in the views half ${json(servedIn.views)}, in the legacy half ${json(servedIn.legacy)}`,
  );
  await server?.close();
  await db?.drop();
});

const armOf = (header: unknown) => /arm;desc="(\w+)"/.exec(String(header ?? ''))?.[1];

/** Waits until this instance serves the gene list from `arm` (flag changes arrive by NOTIFY). */
async function servedBy(arm: Arm): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const res = await server.app.inject({ url: '/api/genes/?sort=id' });
    if (armOf(res.headers['server-timing']) === arm) return;
    if (Date.now() > deadline) throw new Error(`still not served by ${arm}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Puts the rollout flags back where this half runs (a fuzzed admin PATCH may have moved them). */
async function setArm(arm: Arm): Promise<void> {
  await db.pool.query(
    `update feature_flags set enabled = true, strategy = 'gradual', steps = '{0,10,25,50,75,100}', step = $1
      where key = 'use_database_views'`,
    [arm === 'views' ? 5 : 0],
  );
  await servedBy(arm);
}

const describeRequest = (r: FuzzRequest) =>
  JSON.stringify({
    method: r.method,
    url: r.url,
    headers: r.headers,
    payload: r.payload,
    admin: r.admin,
    remoteAddress: r.remoteAddress,
  });

/** Sends one request; returns what is wrong with its answer, or undefined. */
async function problemWith(request: FuzzRequest, half: Arm): Promise<string | undefined> {
  const headers = { ...request.headers, ...(request.admin && { authorization: adminAuth }) };
  const res = await server.app.inject({
    method: request.method,
    url: request.url,
    headers,
    payload: request.payload,
    remoteAddress: request.remoteAddress,
  });
  stats.requests++;
  sent[half]++;
  stats.byStatus.set(res.statusCode, (stats.byStatus.get(res.statusCode) ?? 0) + 1);
  const arm = armOf(res.headers['server-timing']);
  if (arm) servedIn[half].set(arm, (servedIn[half].get(arm) ?? 0) + 1);
  const answer = () => `→ ${res.statusCode} ${res.body.slice(0, 500)}`;
  if (res.statusCode >= 500) return `status ${res.statusCode} ${answer()}`;
  const type = String(res.headers['content-type'] ?? '');
  if (!/json|text\/plain/.test(type) || request.url.startsWith('/openapi.json')) return undefined;
  for (const [what, pattern] of LEAKS) if (pattern.test(res.body)) return `${what} in the body ${answer()}`;
  return undefined;
}

/** A request that may have moved a flag: the arm is put back after its batch. */
const changesFlags = (r: FuzzRequest) =>
  r.admin && r.method !== 'GET' && r.method !== 'HEAD' && r.url.startsWith('/api/admin/feature-flags');

async function fuzz(arm: Arm, seed: number): Promise<void> {
  await setArm(arm);
  const property = fc.asyncProperty(
    fc.array(fuzzRequest(routes), { minLength: BATCH, maxLength: BATCH }),
    async (batch) => {
      const problems = await Promise.all(batch.map((request) => problemWith(request, arm)));
      if (batch.some(changesFlags)) await setArm(arm);
      // The request log grows by a row per request; the legacy arm counts them all on every log page.
      if (++batches % 100 === 0)
        await db.pool.query('delete from system_logs where id > $1', [lastFixtureLog]);
      const n = problems.findIndex((p) => p !== undefined);
      if (n >= 0) {
        const request = batch[n] as FuzzRequest;
        throw new Error(`seed ${seed} (${arm} arm): ${describeRequest(request)} ${problems[n]}`);
      }
    },
  );
  // One line naming the seed and the request: fast-check's own report would print the whole batch.
  const details = await fc.check(property, { seed, numRuns: RUNS, endOnFailure: true });
  if (details.failed) {
    const cause =
      details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
    throw new Error(
      `fuzz failed (seed ${details.seed}, run ${details.counterexamplePath}; rerun with KGDB_FUZZ_SEED=${SEED}): ${cause}`,
    );
  }
}

describe('fuzz: no input makes the server fail', () => {
  it(`views arm (use_database_views at 100 %): ${RUNS * BATCH} requests, seed ${SEED}`, async () => {
    await fuzz('views', SEED);
    expect(sent.views).toBe(RUNS * BATCH);
    expect(servedIn.views.get('views')).toBeGreaterThan(RUNS);
  }, 300_000);

  it(`legacy arm (step 0): ${RUNS * BATCH} requests, seed ${SEED + 1}`, async () => {
    await fuzz('legacy', SEED + 1);
    expect(sent.legacy).toBe(RUNS * BATCH);
    expect(servedIn.legacy.get('legacy')).toBeGreaterThan(RUNS);
  }, 300_000);
});
