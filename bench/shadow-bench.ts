/**
 * The p99 latency 100 % shadow sampling adds to GET /api/genes/-shaped requests (target: under +10 %; README,
 * "Benchmarks").
 *
 *   npx tsx bench/shadow-bench.ts [--genes 5000] [--evidence 25000] [--requests 600] [--concurrency 2]
 *                                 [--noop-candidate] [--data-dir DIR]
 *
 * Uses DATABASE_URL's server when set, else an embedded PostgreSQL in --data-dir (default
 * <tmp>/kgdb-shadow-bench). The dataset database is the genes bench's (kgdb_bench_<genes>_<evidence>_<seed>,
 * kept between runs). The app is the production graph (`compose`) with one bench route: each request evaluates
 * the rollout flag (use_database_views at 0 %: legacy serves) and runs the gene_list experiment (the legacy
 * repository, uncached, as control; the views path, uncached, as the detached candidate); shadowed and plain
 * requests alternate one by one (--requests of each), so load spikes on a shared machine hit both alike.
 * --noop-candidate answers from memory instead: the experiment machinery's own cost, without the views query.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { compose } from '../src/app/compose.js';
import { prepareBenchDatabase } from '../src/bench/bench-database.js';
import { startEmbeddedPostgres } from '../src/db/embedded.js';
import { createPool } from '../src/db/pool.js';
import { geneListExperiment } from '../src/genes/gene-experiments.js';
import type { GenePage } from '../src/genes/gene-repository.js';
import { createLegacyGeneRepository } from '../src/genes/legacy/legacy-gene-repository.js';
import { createViewGeneRepository } from '../src/genes/views/view-gene-repository.js';
import { createLogger } from '../src/logger.js';
import { silentProgress } from '../src/progress.js';
import { specFields } from '../src/rollout/experiments/experiment-registry.js';
import { quantile } from '../src/rollout/window/rollout-window-histogram.js';
import { readExperimentTotals } from '../src/rollout/window/rollout-window-store.js';

const { values } = parseArgs({
  options: {
    genes: { type: 'string', default: '5000' },
    evidence: { type: 'string', default: '25000' },
    seed: { type: 'string', default: '42' },
    requests: { type: 'string', default: '600' },
    concurrency: { type: 'string', default: '2' },
    'data-dir': { type: 'string' },
    'noop-candidate': { type: 'boolean', default: false },
  },
});
const num = (k: keyof typeof values) => Number(values[k]);

function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] as number;
}

async function main() {
  const logger = createLogger('warn', 2);
  let stopServer = async () => {};
  let serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) {
    // Kept between runs (like the dataset database in it): a 5,000-gene seed takes a minute.
    const dataDir = values['data-dir'] ?? path.join(os.tmpdir(), 'kgdb-shadow-bench');
    await mkdir(dataDir, { recursive: true });
    await chmod(dataDir, 0o755);
    const server = await startEmbeddedPostgres({
      dataDir,
      logger,
      database: 'postgres',
      settings: { fsync: 'off' },
    });
    serverUrl = server.url;
    stopServer = server.stop;
  }
  const dataset = { genes: num('genes'), evidence: num('evidence'), seed: num('seed') };
  const prepared = await prepareBenchDatabase(serverUrl, dataset, {
    fresh: false,
    logger,
    progress: silentProgress,
  });
  await prepared.pool.end();
  // Room for control and candidate of every concurrent request, plus the window writer.
  const pool = createPool({ connectionString: prepared.url, max: 10 });
  const composed = await compose({
    pool,
    logger: createLogger('silent'),
    jwtSecret: randomBytes(32).toString('base64url'),
    guard: false,
  });
  // The window writer runs as in `kgdb serve`; no guard (it would move the flag this bench pins).
  composed.startBackground();
  const { app, flags: store } = composed;
  const legacyGenes = createLegacyGeneRepository(pool);
  // Both paths uncached, run by the bench route directly: the composition's own gene_list (its control reads
  // the list facts through the cache) keeps the name in the registry, and the windows record this one under it.
  const real = geneListExperiment({ legacy: legacyGenes, views: createViewGeneRepository(pool) });
  const queries = await real.sampleRequests();
  // --noop-candidate: the candidate answers a copy of the control's answer from memory, so what is measured
  // is the experiment machinery alone (timer, comparison, recording), without the views query's own work.
  const answers = values['noop-candidate'] ? await Promise.all(queries.map((q) => legacyGenes.list(q))) : [];
  const geneList = values['noop-candidate']
    ? {
        ...real,
        candidate: async (q: (typeof queries)[number]) =>
          structuredClone(answers[queries.indexOf(q)] as GenePage),
      }
    : real;
  // The sample decision comes from the request (an explicit decision, as run-single makes), so shadowed
  // and plain requests can alternate one by one: load spikes on a shared machine then hit both alike.
  app.get<{ Querystring: { i: string; shadow: string } }>('/bench/genes', async (request) => {
    const query = queries[Math.floor(Number(request.query.i) / 2) % queries.length];
    if (!query) throw new Error('no query');
    app.rollout.armSwitch.decide(request);
    return app.rollout.experimenter.run({
      ...specFields(geneList, query),
      sample: request.query.shadow === '1',
    });
  });
  await app.ready();
  await store.update('use_database_views', { step: 0 }, { actor: 'bench' });
  await pool.query('delete from kgdb_experiment_windows');

  const samples = { off: [] as number[], on: [] as number[] };
  const run = async (n: number, record: boolean) => {
    let next = 0;
    const worker = async () => {
      while (next < n) {
        const i = next++;
        const name = i % 2 === 1 ? 'on' : 'off';
        const started = performance.now();
        const res = await app.inject({ method: 'GET', url: `/bench/genes?i=${i}&shadow=${i % 2}` });
        if (res.statusCode !== 200) throw new Error(`status ${res.statusCode}: ${res.body.slice(0, 200)}`);
        if (record) samples[name].push(performance.now() - started);
      }
    };
    await Promise.all(Array.from({ length: num('concurrency') }, worker));
    await app.rollout.experimenter.drain();
  };

  // Warm both paths (plans, buffers) before timing anything.
  await run(queries.length * 4, false);
  await run(num('requests') * 2, true);
  await app.rollout.writer.flush();
  const outcomes = await pool.query<{ outcome: string; n: number }>(
    `select o.outcome, sum(o.n)::int as n from kgdb_experiment_windows w,
       lateral (values ('match', w.match), ('mismatch', w.mismatch), ('candidate_error', w.candidate_error),
                       ('timeout', w.timeout), ('control_error', w.control_error)) as o(outcome, n)
      where w.experiment = 'gene_list' group by o.outcome order by o.outcome`,
  );
  const [totals] = await readExperimentTotals(pool, new Date(0), ['gene_list']);
  const stats = (xs: number[]) => {
    const s = [...xs].sort((a, b) => a - b);
    return { n: s.length, p50: percentile(s, 0.5), p90: percentile(s, 0.9), p99: percentile(s, 0.99) };
  };
  const off = stats(samples.off);
  const on = stats(samples.on);
  const report = {
    dataset,
    concurrency: num('concurrency'),
    candidate: values['noop-candidate'] ? 'noop (machinery only)' : 'views',
    platform: `${os.platform()} ${os.arch()}, ${os.cpus().length} CPUs, load ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
    shadow_off_ms: off,
    shadow_100_ms: on,
    added_p99_ms: on.p99 - off.p99,
    added_p99_share: (on.p99 - off.p99) / off.p99,
    added_p50_ms: on.p50 - off.p50,
    outcomes: Object.fromEntries(outcomes.rows.map((r) => [r.outcome, r.n])),
    // The recorded durations of the two paths (on the 'on' phases): what the shadow costs the database.
    control_p50_ms: totals ? quantile(totals.controlLatency, 0.5) : null,
    candidate_p50_ms: totals ? quantile(totals.candidateLatency, 0.5) : null,
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  await app.close();
  await pool.end();
  await stopServer();
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
