/**
 * Views-arm throughput of `kgdb serve --workers N` for several N, side by side in one run: the same dataset, the
 * same requests, one fresh `kgdb serve --workers N` (its own processes, caches empty) per N, one after another.
 *
 *   npx tsx bench/workers-bench.ts [--workers 1,2,3,4] [--genes 5000] [--evidence 25000] [--connections 32]
 *                                  [--duration 10] [--warmup 3] [--rounds 1] [--json FILE]
 *   npx tsx bench/workers-bench.ts --short        (seconds; test/bench/workers-bench.db.test.ts runs it)
 *
 * Cases, each measured from the client (autocannon) and counted on the servers (the cache counters of every
 * worker, summed on the /metrics page any of them answers):
 * - list-hit: GET /api/genes/ again and again: after each worker's first request, answered by its cache;
 * - list-miss: a new gene list URL every request (src/bench/unique-urls.ts): every one loads from PostgreSQL;
 * - detail-hit: GET /api/genes/<one symbol> again and again;
 * - detail-miss: GET /api/genes/<symbol> for every gene once (so a fixed number of requests, not a duration).
 * `--workers 1` is a single process without the cluster, as `kgdb serve` runs by default. The database is the
 * embedded server in KGDB_DATA_DIR (or DATABASE_URL's server), on a scratch database of the demo generator
 * kept between runs (src/bench/bench-database.ts); the shadow comparisons are off there (every request is a
 * views-arm request, nothing else). autocannon runs in this process on the same machine: the load generator's
 * CPU is CPU the servers and PostgreSQL do not get, and its share is reported per run.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createHistogram } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { INSTANCE_HEADER } from '../src/app/serve.js';
import { prepareBenchDatabase } from '../src/bench/bench-database.js';
import { uniqueGeneListUrl } from '../src/bench/unique-urls.js';
import { MAX_WORKERS } from '../src/cluster/worker-count.js';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db/database.js';
import type { Pool } from '../src/db/pool.js';
import { createLogger } from '../src/logger.js';
import { silentProgress } from '../src/progress.js';
import { createFlagStore } from '../src/rollout/flags/flag-store.js';
import { VIEWS_ROLLOUT } from '../src/rollout-plan.js';

const KGDB = path.resolve(import.meta.dirname, '../bin/kgdb.js');
const CASES = ['list-hit', 'list-miss', 'detail-hit', 'detail-miss'] as const;
type CaseName = (typeof CASES)[number];
/** The cache namespace that answers each case (src/genes/gene-cache-namespaces.ts). */
const NAMESPACE: Record<CaseName, string> = {
  'list-hit': 'gene_list',
  'list-miss': 'gene_list',
  'detail-hit': 'gene_detail',
  'detail-miss': 'gene_detail',
};
/** Warm-up list URLs come from far beyond the measured ones, so no measured URL is ever cached before. */
const WARMUP_URL_OFFSET = 10_000_000;

export interface BenchOptions {
  workers: number[];
  genes: number;
  evidence: number;
  connections: number;
  durationSeconds: number;
  warmupSeconds: number;
  rounds: number;
  json: string | undefined;
}

const SHORT: Omit<BenchOptions, 'json'> = {
  workers: [1, 2],
  genes: 200,
  evidence: 600,
  connections: 4,
  durationSeconds: 1,
  warmupSeconds: 1,
  rounds: 1,
};

function wholeNumber(flag: string, raw: string, min: number, max: number): number {
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new Error(`--${flag} must be a whole number from ${min} to ${max}, got '${raw}'`);
  }
  return Number(raw);
}

/** The command line, checked; `--short` sets every size small (a given flag still wins). Pure. */
export function parseBenchArgs(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      short: { type: 'boolean' },
      workers: { type: 'string' },
      genes: { type: 'string' },
      evidence: { type: 'string' },
      connections: { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      rounds: { type: 'string' },
      json: { type: 'string' },
    },
  });
  const base: Omit<BenchOptions, 'json'> = values.short
    ? SHORT
    : {
        ...SHORT,
        workers: [1, 2, 3, 4],
        genes: 5000,
        evidence: 25_000,
        connections: 32,
        durationSeconds: 10,
        warmupSeconds: 3,
      };
  const workers =
    values.workers === undefined
      ? base.workers
      : values.workers.split(',').map((w) => wholeNumber('workers', w.trim(), 1, MAX_WORKERS));
  if (new Set(workers).size !== workers.length)
    throw new Error(`--workers: a count is repeated in '${values.workers}'`);
  const genes = values.genes === undefined ? base.genes : wholeNumber('genes', values.genes, 10, 1_000_000);
  const evidence =
    values.evidence === undefined
      ? values.genes === undefined
        ? base.evidence
        : 5 * genes
      : wholeNumber('evidence', values.evidence, 0, 7 * genes);
  return {
    workers,
    genes,
    evidence,
    connections:
      values.connections === undefined
        ? base.connections
        : wholeNumber('connections', values.connections, 1, 1000),
    durationSeconds:
      values.duration === undefined ? base.durationSeconds : wholeNumber('duration', values.duration, 1, 600),
    warmupSeconds:
      values.warmup === undefined ? base.warmupSeconds : wholeNumber('warmup', values.warmup, 0, 600),
    rounds: values.rounds === undefined ? base.rounds : wholeNumber('rounds', values.rounds, 1, 10),
    json: values.json,
  };
}

// ---- the servers ------------------------------------------------------------------------------------------

interface Cluster {
  workers: number;
  origin: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One GET on a connection of its own (so it goes to the next worker), with the instance that answered. */
async function get(origin: string, url: string): Promise<{ status: number; instance: string; text: string }> {
  const res = await fetch(`${origin}${url}`, {
    headers: { connection: 'close' },
    signal: AbortSignal.timeout(30_000),
  });
  return { status: res.status, instance: res.headers.get(INSTANCE_HEADER) ?? '', text: await res.text() };
}

/** This process's environment minus what would point a `kgdb serve` child elsewhere than it is told. */
export function inheritedEnv(): NodeJS.ProcessEnv {
  const {
    DATABASE_URL: _db,
    DATABASE_READ_URL: _read,
    REDIS_URL: _redis,
    KGDB_METRICS_TOKEN: _token,
    KGDB_TRUST_PROXY: _proxy,
    KGDB_WORKERS: _workers,
    ...env
  } = process.env;
  return env;
}

/** `kgdb serve --workers n` on the scratch database; resolves once every worker has answered. */
async function startCluster(workers: number, databaseUrl: string): Promise<Cluster> {
  const port = await freePort();
  const child = spawn(process.execPath, [KGDB, 'serve', '--workers', String(workers)], {
    env: {
      ...inheritedEnv(),
      DATABASE_URL: databaseUrl,
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'warn',
      KGDB_SEED_DEMO: 'false',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const origin = `http://127.0.0.1:${port}`;
  const cluster: Cluster = {
    workers,
    origin,
    child,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
  const seen = new Set<string>();
  const deadline = Date.now() + 300_000;
  while (seen.size < workers) {
    if (child.exitCode !== null)
      throw new Error(`kgdb serve --workers ${workers} exited with ${child.exitCode}`);
    if (Date.now() > deadline) {
      await cluster.stop();
      throw new Error(`kgdb serve --workers ${workers}: ${seen.size} workers answered within 300 s`);
    }
    const answer = await get(origin, '/health').catch(() => undefined);
    if (answer?.status === 200) seen.add(answer.instance);
    else await sleep(250);
  }
  return cluster;
}

// ---- server-side cache counters ---------------------------------------------------------------------------

export interface CacheCounts {
  hits: number;
  misses: number;
}

function addCounts(total: Record<string, CacheCounts>, ns: string, counts: CacheCounts): void {
  const t = total[ns] ?? { hits: 0, misses: 0 };
  total[ns] = { hits: t.hits + counts.hits, misses: t.misses + counts.misses };
}

/** Cache reads per namespace from one /metrics page: hits of every layer summed, and misses. Pure. */
export function cacheCountsOf(page: string): Record<string, CacheCounts> {
  const out: Record<string, CacheCounts> = {};
  for (const [, name, labels = '', value] of page.matchAll(
    /^kgdb_cache_(hits|misses)_total\{([^}]*)\} (\S+)$/gm,
  )) {
    const ns = /namespace="([^"]*)"/.exec(labels)?.[1];
    if (!ns) continue;
    const n = Number(value);
    addCounts(out, ns, name === 'hits' ? { hits: n, misses: 0 } : { hits: 0, misses: n });
  }
  return out;
}

/**
 * The servers' /metrics page: under `--workers` any worker answers for all of them (the primary sums their
 * registries, src/cluster/cluster-metrics.ts), so one page has every worker's counts.
 */
async function scrape(cluster: Cluster): Promise<string> {
  return (await get(cluster.origin, '/metrics')).text;
}

const clusterCounts = async (cluster: Cluster) => cacheCountsOf(await scrape(cluster));

/**
 * Resolves once no worker's refresher has a matview refresh pending (the page holds the largest worker's
 * staleness): each refreshes every matview a few seconds after it starts (and the refresh drops the caches of
 * every worker), which must not fall into a measured run.
 */
async function refreshersIdle(cluster: Cluster): Promise<void> {
  for (let attempt = 0; attempt < 600; attempt++) {
    if (!/^kgdb_view_staleness_seconds\{[^}]*\} (?!0$)\S+$/m.test(await scrape(cluster))) return;
    await sleep(250);
  }
  throw new Error("the workers' matview refreshers did not settle within 150 s");
}

/**
 * The counters once they stop moving: autocannon ends a timed run without waiting for the requests in flight,
 * which still finish on the servers and must be counted with their run, not the next.
 */
async function settledCounts(cluster: Cluster): Promise<Record<string, CacheCounts>> {
  let previous = await clusterCounts(cluster);
  for (let i = 0; i < 50; i++) {
    await sleep(200);
    const next = await clusterCounts(cluster);
    if (JSON.stringify(next) === JSON.stringify(previous)) return next;
    previous = next;
  }
  return previous;
}

// ---- load -------------------------------------------------------------------------------------------------

/** The part of autocannon's API used here (it ships no types). */
interface AutocannonOptions {
  url: string;
  connections: number;
  duration?: number;
  amount?: number;
  requests: { method: 'GET'; setupRequest: (request: { path: string }) => { path: string } }[];
}
interface AutocannonResult {
  errors: number;
  non2xx: number;
}
interface AutocannonInstance {
  on(event: 'response', listener: (client: unknown, status: number, bytes: number, ms: number) => void): void;
}
type Autocannon = (
  options: AutocannonOptions,
  done: (err: Error | null, result: AutocannonResult) => void,
) => AutocannonInstance;

const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

interface Load {
  origin: string;
  connections: number;
  /** A timed run, or exactly `amount` requests. */
  seconds?: number;
  amount?: number;
  nextPath: () => string;
}

interface ClientSide {
  responses: number;
  duration_s: number;
  req_per_s: number;
  latency_ms: { p50: number; p99: number } | null;
  non2xx: number;
  errors: number;
  /** This process's CPU during the run, in % of one core: what the load generator took from the machine. */
  loadgen_cpu_pct: number;
}

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;

function runLoad(load: Load): Promise<ClientSide> {
  const histogram = createHistogram();
  const cpu = process.cpuUsage();
  const started = performance.now();
  let lastResponseAt = started;
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: `${load.origin}/`,
        connections: load.connections,
        ...(load.amount === undefined ? { duration: load.seconds } : { amount: load.amount }),
        requests: [{ method: 'GET', setupRequest: (r) => ({ ...r, path: load.nextPath() }) }],
      },
      (err, result) => {
        if (err) return reject(err);
        // Up to the last response: autocannon reports whole seconds, and calls back on its next one-second tick,
        // both too coarse for a run of a fixed number of requests.
        const seconds = (lastResponseAt - started) / 1000;
        const used = process.cpuUsage(cpu);
        const ms = (p: number) => round(histogram.percentile(p) / 1000, 2);
        resolve({
          responses: histogram.count,
          duration_s: round(seconds, 2),
          req_per_s: round(histogram.count / seconds, 1),
          latency_ms: histogram.count === 0 ? null : { p50: ms(50), p99: ms(99) },
          non2xx: result.non2xx,
          errors: result.errors,
          loadgen_cpu_pct: round(((used.user + used.system) / 1000 / (seconds * 1000)) * 100, 0),
        });
      },
    );
    instance.on('response', (_client, _status, _bytes, ms) => {
      lastResponseAt = performance.now();
      histogram.record(Math.max(1, Math.round(ms * 1000)));
    });
  });
}

// ---- runs -------------------------------------------------------------------------------------------------

export interface CaseRun extends ClientSide {
  case: CaseName;
  workers: number;
  round: number;
  /** Counted on the servers during the run, in the namespace that answers the case. */
  server: { hits: number; misses: number; hit_ratio: number | null };
}

export interface BenchReport {
  command: string;
  started_at: string;
  machine: { cpus: number; cpu: string; load_average: number; node: string };
  dataset: { genes: number; evidence: number; database: string };
  options: Omit<BenchOptions, 'json'>;
  runs: CaseRun[];
}

/** Every case on `kgdb serve --workers n`: a fresh cluster, a warm-up, then the cases in order. */
async function measureWorkers(
  n: number,
  roundNo: number,
  databaseUrl: string,
  symbols: { measured: string[]; warmup: string[] },
  options: BenchOptions,
): Promise<CaseRun[]> {
  process.stderr.write(`round ${roundNo + 1}: --workers ${n}: starting\n`);
  const cluster = await startCluster(n, databaseUrl);
  try {
    await refreshersIdle(cluster);
    // A warm-up gene: every detail-miss request is a gene no run has asked for.
    const hot = symbols.warmup[0] as string;
    if (options.warmupSeconds > 0) {
      // The JIT and PostgreSQL's buffers, on every worker: list and detail misses the measured runs never send.
      let i = 0;
      await runLoad({
        origin: cluster.origin,
        connections: options.connections,
        seconds: options.warmupSeconds,
        nextPath: () => {
          i += 1;
          return i % 2 === 0
            ? uniqueGeneListUrl(WARMUP_URL_OFFSET + i)
            : `/api/genes/${symbols.warmup[i % symbols.warmup.length]}`;
        },
      });
    }
    const loads: Record<CaseName, Omit<Load, 'origin' | 'connections'>> = {
      'list-hit': { seconds: options.durationSeconds, nextPath: () => '/api/genes/' },
      'list-miss': (() => {
        let i = 0;
        return { seconds: options.durationSeconds, nextPath: () => uniqueGeneListUrl(i++) };
      })(),
      'detail-hit': { seconds: options.durationSeconds, nextPath: () => `/api/genes/${hot}` },
      'detail-miss': (() => {
        let i = 0;
        return {
          amount: symbols.measured.length,
          nextPath: () => `/api/genes/${symbols.measured[i++ % symbols.measured.length]}`,
        };
      })(),
    };
    const runs: CaseRun[] = [];
    for (const name of CASES) {
      const before = await settledCounts(cluster);
      const client = await runLoad({
        origin: cluster.origin,
        connections: options.connections,
        ...loads[name],
      });
      const after = await settledCounts(cluster);
      const ns = NAMESPACE[name];
      const hits = (after[ns]?.hits ?? 0) - (before[ns]?.hits ?? 0);
      const misses = (after[ns]?.misses ?? 0) - (before[ns]?.misses ?? 0);
      runs.push({
        case: name,
        workers: n,
        round: roundNo,
        ...client,
        server: { hits, misses, hit_ratio: hits + misses === 0 ? null : round(hits / (hits + misses), 4) },
      });
      process.stderr.write(`  ${name}: ${client.req_per_s} req/s, server hits ${hits} / misses ${misses}\n`);
    }
    return runs;
  } finally {
    await cluster.stop();
  }
}

/** Every gene's symbol once (case-insensitively distinct, as the detail route looks them up). */
async function geneSymbols(pool: Pool): Promise<string[]> {
  const { rows } = await pool.query<{ symbol: string }>(
    `select min(approved_symbol) as symbol from genes group by upper(approved_symbol) order by min(id)`,
  );
  return rows.map((r) => r.symbol);
}

/** Everyone on the views, nothing compared beside them: the requests measured are views-arm requests alone. */
async function pinViewsArm(pool: Pool): Promise<void> {
  const store = createFlagStore(pool);
  const flag = await store.get(VIEWS_ROLLOUT.flag);
  const audit = { actor: 'bench:workers', reason: 'workers benchmark: views arm only' };
  if (flag) await store.update(VIEWS_ROLLOUT.flag, { step: flag.steps.length - 1 }, audit);
  await store.update(VIEWS_ROLLOUT.shadowFlag, { percentage: 0 }, audit);
}

// ---- report -----------------------------------------------------------------------------------------------

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const grouped = (n: number) => Math.round(n).toLocaleString('en-US');

/** The Markdown report: one row per case, one column per worker count with its ratio to the first. Pure. */
export function formatReport(report: BenchReport): string {
  const { machine, dataset, options } = report;
  const counts = options.workers;
  const rps = (c: CaseName, n: number) =>
    mean(report.runs.filter((r) => r.case === c && r.workers === n).map((r) => r.req_per_s));
  const header = `| case | server cache hits | ${counts.map((n) => `${n} worker${n === 1 ? '' : 's'}`).join(' | ')} |`;
  const cases = CASES.filter((c) => report.runs.some((r) => r.case === c));
  const rows = cases.map((c) => {
    const runs = report.runs.filter((r) => r.case === c);
    const hits = runs.reduce((s, r) => s + r.server.hits, 0);
    const reads = runs.reduce((s, r) => s + r.server.hits + r.server.misses, 0);
    const share = reads === 0 ? '—' : `${((hits / reads) * 100).toFixed(1)} %`;
    const base = rps(c, counts[0] as number);
    const cells = counts.map((n) => `${grouped(rps(c, n))} req/s (${(rps(c, n) / base).toFixed(2)}×)`);
    return `| ${c} | ${share} | ${cells.join(' | ')} |`;
  });
  const latency = cases.map((c) => {
    const cells = counts.map((n) => {
      const runs = report.runs.filter((r) => r.case === c && r.workers === n && r.latency_ms !== null);
      const p = (k: 'p50' | 'p99') => mean(runs.map((r) => r.latency_ms?.[k] ?? 0)).toFixed(1);
      const cpu = mean(
        report.runs.filter((r) => r.case === c && r.workers === n).map((r) => r.loadgen_cpu_pct),
      );
      return `${p('p50')} / ${p('p99')} ms, load gen ${Math.round(cpu)} %`;
    });
    return `| ${c} | ${cells.join(' | ')} |`;
  });
  const failures = report.runs.reduce((s, r) => s + r.non2xx + r.errors, 0);
  return [
    `Measured ${report.started_at.slice(0, 16).replace('T', ' ')} UTC on ${machine.cpus} CPUs (${machine.cpu}), load average ${machine.load_average} at the start; Node ${machine.node}.`,
    `Dataset \`${dataset.database}\`: ${grouped(dataset.genes)} genes, ${grouped(dataset.evidence)} evidence rows. ${options.connections} connections; timed cases ${options.durationSeconds} s each after a ${options.warmupSeconds} s warm-up per worker count; detail-miss asks for every gene once but the tenth kept for the warm-up; ${options.rounds} round(s), worker counts in alternating order, means shown.`,
    'The load generator (autocannon, one process) runs on the same machine and takes CPU the workers and PostgreSQL do not get ("load gen": its CPU in % of one core).',
    '',
    '```',
    report.command,
    '```',
    '',
    header,
    `|---|---|${counts.map(() => '---').join('|')}|`,
    ...rows,
    '',
    `| latency p50 / p99 | ${counts.map((n) => `${n} worker${n === 1 ? '' : 's'}`).join(' | ')} |`,
    `|---|${counts.map(() => '---').join('|')}|`,
    ...latency,
    '',
    `Non-2xx responses and errors: ${failures}.`,
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const options = parseBenchArgs(process.argv.slice(2));
  const { json, ...sizes } = options;
  const logger = createLogger('warn', 2);
  const server = await openDatabase(loadConfig(process.env), logger);
  try {
    const dataset = { genes: options.genes, evidence: options.evidence, seed: 42 };
    const { name, url, pool } = await prepareBenchDatabase(server.url, dataset, {
      fresh: false,
      logger,
      progress: silentProgress,
    });
    let symbols: string[];
    try {
      await pinViewsArm(pool);
      symbols = await geneSymbols(pool);
    } finally {
      await pool.end();
    }
    const warmupCount = Math.max(1, Math.floor(symbols.length / 10));
    const split = { warmup: symbols.slice(-warmupCount), measured: symbols.slice(0, -warmupCount) };
    const report: BenchReport = {
      command: `npx tsx bench/workers-bench.ts ${process.argv
        .slice(2)
        .filter((a, i, all) => a !== '--json' && all[i - 1] !== '--json')
        .join(' ')}`.trim(),
      started_at: new Date().toISOString(),
      machine: {
        cpus: os.availableParallelism(),
        cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
        load_average: round(os.loadavg()[0] ?? 0, 2),
        node: process.version,
      },
      dataset: { genes: options.genes, evidence: options.evidence, database: name },
      options: sizes,
      runs: [],
    };
    for (let r = 0; r < options.rounds; r++) {
      const order = r % 2 === 0 ? options.workers : [...options.workers].reverse();
      for (const n of order) report.runs.push(...(await measureWorkers(n, r, url, split, options)));
    }
    process.stdout.write(formatReport(report));
    if (json) await writeFile(json, `${JSON.stringify(report, null, 2)}\n`);
  } finally {
    await server.close();
    logger.flush();
  }
}

if (process.argv[1] !== undefined && pathToFileURL(path.resolve(process.argv[1])).href === import.meta.url) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
