/**
 * `GET /api/genes/` requests per second through the cache vs without it, under autocannon.
 *
 *   npx tsx bench/cache-bench.ts [--duration 20] [--connections 50] [--warmup 3] [--path /api/genes/]
 *                                [--genes 5000] [--evidence 25000] [--arms uncached,cached]
 *                                [--requests plain] [--json file]
 *
 * Uses the configured server (DATABASE_URL, else the embedded one in KGDB_DATA_DIR) and the scratch database
 * the `kgdb bench` command keeps for the dataset (default the demo: 5,000 genes, 25,000 evidence rows, seed
 * 42) with the views applied. Each arm is a real server on 127.0.0.1 (ephemeral port), the production graph
 * (`compose`) on its own pool of the same size:
 * - `uncached`: /api/genes pinned to the views path straight from PostgreSQL, as `kgdb serve` was before the
 *   cache (statistics uncached too);
 * - `cached`: /api/genes pinned to the views path through the cache (no flag, no shadow);
 * - `served`: the composed app as `kgdb serve` runs it: the rollout flag and shadow sampling as the database
 *   has them, the views arm through the cache.
 * Per arm, each of --requests runs (after a warm-up): `plain` (no Accept-Encoding), `compressed`
 * (`Accept-Encoding: gzip, deflate, br`, as browsers send) and `conditional` (`If-None-Match` with the ETag of
 * the plain answer: a 304). autocannon runs as a separate process, one run after the other. Results go to
 * stdout (and --json); progress to stderr.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/app/build-app.js';
import { type Composition, compose } from '../src/app/compose.js';
import { prepareBenchDatabase } from '../src/bench/bench-database.js';
import { fixedArmService } from '../src/bench/fixed-arm.js';
import { loadConfig } from '../src/config.js';
import { DEFAULT_DEMO } from '../src/data/demo/demo-options.js';
import { openDatabase } from '../src/db/database.js';
import { createPool, type Pool } from '../src/db/pool.js';
import { createCachedGeneRepository } from '../src/genes/cached-gene-repository.js';
import { createViewGeneRepository } from '../src/genes/views/view-gene-repository.js';
import { createLogger, type Logger } from '../src/logger.js';
import { silentProgress } from '../src/progress.js';
import { createStatisticsRepository } from '../src/statistics/statistics-repository.js';

const ARMS = ['uncached', 'cached', 'served'] as const;
type ArmName = (typeof ARMS)[number];
const REQUESTS = ['plain', 'compressed', 'conditional'] as const;
type RequestName = (typeof REQUESTS)[number];

interface Flags {
  duration: number;
  connections: number;
  path: string;
  json: string | undefined;
  warmupSeconds: number;
  genes: number;
  evidence: number;
  arms: ArmName[];
  requests: RequestName[];
}

function listFlag<T extends string>(name: string, value: string, allowed: readonly T[]): T[] {
  const items = value.split(',');
  const unknown = items.filter((item) => !allowed.includes(item as T));
  if (unknown.length > 0)
    throw new Error(`${name}: unknown ${unknown.join(', ')}; allowed: ${allowed.join(', ')}`);
  return items as T[];
}

function parseFlags(argv: readonly string[]): Flags {
  const flags: Flags = {
    duration: 20,
    connections: 50,
    path: '/api/genes/',
    json: undefined,
    warmupSeconds: 3,
    genes: DEFAULT_DEMO.genes,
    evidence: DEFAULT_DEMO.evidence,
    arms: ['uncached', 'cached'],
    requests: ['plain'],
  };
  for (let i = 0; i < argv.length; i += 2) {
    const [name, value] = [argv[i], argv[i + 1]];
    if (value === undefined) throw new Error(`${name} needs a value`);
    if (name === '--duration') flags.duration = Number(value);
    else if (name === '--connections') flags.connections = Number(value);
    else if (name === '--warmup') flags.warmupSeconds = Number(value);
    else if (name === '--path') flags.path = value;
    else if (name === '--json') flags.json = value;
    else if (name === '--genes') flags.genes = Number(value);
    else if (name === '--evidence') flags.evidence = Number(value);
    else if (name === '--arms') flags.arms = listFlag(name, value, ARMS);
    else if (name === '--requests') flags.requests = listFlag(name, value, REQUESTS);
    else
      throw new Error(
        `unknown flag ${name}; allowed: --duration, --connections, --warmup, --path, --genes, --evidence, --arms, --requests, --json`,
      );
  }
  for (const [name, n] of [
    ['--duration', flags.duration],
    ['--connections', flags.connections],
    ['--warmup', flags.warmupSeconds],
    ['--genes', flags.genes],
    ['--evidence', flags.evidence],
  ] as const) {
    if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a whole number ≥ 1`);
  }
  return flags;
}

interface RunResult {
  requests_per_second: number;
  latency_p50_ms: number;
  latency_p99_ms: number;
  total_requests: number;
  /** Answers with another status than the request expects (200, or 304 for `conditional`). */
  unexpected_status: number;
  errors: number;
  timeouts: number;
  /** Response bytes per request (headers included), as autocannon counts them. */
  bytes_per_request: number;
  /**
   * CPU time of this process (the server; autocannon runs in its own) per answered request, background work
   * included: on a loaded machine a steadier measure than requests per second.
   */
  server_cpu_us_per_request?: number;
}

/** autocannon's CLI in its own process (so the load generator does not share the servers' event loop). */
function autocannon(
  url: string,
  headers: Record<string, string>,
  expected: number,
  connections: number,
  seconds: number,
): Promise<RunResult> {
  const bin = createRequire(import.meta.url).resolve('autocannon');
  const headerArgs = Object.entries(headers).flatMap(([k, v]) => ['-H', `${k}=${v}`]);
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [bin, '-j', '-c', String(connections), '-d', String(seconds), ...headerArgs, url],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`autocannon exited with ${code}`));
      const r = JSON.parse(out);
      const total: number = r.requests.total;
      resolve({
        requests_per_second: r.requests.average,
        latency_p50_ms: r.latency.p50,
        latency_p99_ms: r.latency.p99,
        total_requests: total,
        unexpected_status: total - (r.statusCodeStats?.[String(expected)]?.count ?? 0),
        errors: r.errors,
        timeouts: r.timeouts,
        bytes_per_request: total === 0 ? 0 : Math.round(r.throughput.total / total),
      });
    });
  });
}

/** The headers of each kind of request; `conditional` needs the ETag of the plain answer. */
function requestHeaders(kind: RequestName, etag: string | null): Record<string, string> | undefined {
  if (kind === 'plain') return {};
  if (kind === 'compressed') return { 'accept-encoding': 'gzip, deflate, br' };
  return etag === null ? undefined : { 'if-none-match': etag };
}

type ArmResults = Partial<Record<RequestName, RunResult | 'no ETag'>>;

async function runArm(name: ArmName, app: FastifyInstance, flags: Flags): Promise<ArmResults> {
  const address = await app.listen({ host: '127.0.0.1', port: 0 });
  const url = `${address}${flags.path}`;
  // fetch asks for compressed bodies by default; the plain answer's tag is the one `conditional` sends.
  const probe = await fetch(url, { headers: { 'accept-encoding': 'identity' } });
  if (probe.status !== 200) throw new Error(`${name}: GET ${flags.path} answered ${probe.status}`);
  const etag = probe.headers.get('etag');
  const results: ArmResults = {};
  for (const kind of flags.requests) {
    const headers = requestHeaders(kind, etag);
    if (!headers) {
      process.stderr.write(`${name} ${kind}: skipped, the answer carries no ETag\n`);
      results[kind] = 'no ETag';
      continue;
    }
    const expected = kind === 'conditional' ? 304 : 200;
    process.stderr.write(
      `${name} ${kind}: warm-up ${flags.warmupSeconds} s, then ${flags.duration} s at ${flags.connections} connections\n`,
    );
    await autocannon(url, headers, expected, flags.connections, flags.warmupSeconds);
    const cpu = process.cpuUsage();
    const result = await autocannon(url, headers, expected, flags.connections, flags.duration);
    const used = process.cpuUsage(cpu);
    result.server_cpu_us_per_request = Math.round(
      (used.user + used.system) / Math.max(1, result.total_requests),
    );
    process.stderr.write(`${name} ${kind}: ${result.requests_per_second.toFixed(0)} req/s\n`);
    results[kind] = result;
  }
  return results;
}

interface Arm {
  composed: Composition;
  /** The app under load: built from the composition's parts, or the composed app itself (`served`). */
  app: FastifyInstance;
}

/**
 * The production graph on `pool` and the app the arm measures: for `uncached` and `cached` one built from its
 * parts whose /api/genes the views path answers, through the composition's cache or not (uncached,
 * /api/statistics reads PostgreSQL directly too); for `served` the composed app as it is.
 */
async function armApp(pool: Pool, name: ArmName, logger: Logger, redisUrl: string | undefined): Promise<Arm> {
  const cached = name !== 'uncached';
  const composed = await compose({
    pool,
    logger,
    jwtSecret: randomBytes(32).toString('base64url'),
    redisUrl: cached ? redisUrl : undefined,
    guard: false,
  });
  composed.startBackground();
  if (name === 'served') return { composed, app: composed.app };
  const views = createViewGeneRepository(pool);
  const app = await buildApp({
    ...composed.parts,
    genes: fixedArmService(
      'views',
      cached ? createCachedGeneRepository(views, composed.caching.cache) : views,
    ),
    statistics: cached ? composed.parts.statistics : createStatisticsRepository(pool),
  });
  return { composed, app };
}

async function closeArm(arm: Arm | undefined): Promise<void> {
  if (arm && arm.app !== arm.composed.app) await arm.app.close();
  await arm?.composed.app.close();
}

function formatRow(label: string, r: RunResult | 'no ETag' | undefined): string {
  if (r === undefined) return '';
  if (r === 'no ETag') return `${label.padEnd(22)} skipped: no ETag\n`;
  return `${label.padEnd(22)} ${r.requests_per_second.toFixed(0).padStart(8)} req/s   p50 ${String(r.latency_p50_ms).padStart(4)} ms   p99 ${String(r.latency_p99_ms).padStart(4)} ms   ${String(r.server_cpu_us_per_request).padStart(5)} µs CPU/req   ${String(r.bytes_per_request).padStart(6)} B/req   ${r.total_requests} requests, ${r.unexpected_status} unexpected status, ${r.errors} errors\n`;
}

async function main() {
  const flags = parseFlags(process.argv.slice(2));
  const config = loadConfig(process.env);
  const logger = createLogger('warn', 2);
  const server = await openDatabase(config, logger);
  const dataset = { genes: flags.genes, evidence: flags.evidence, seed: DEFAULT_DEMO.seed };
  let scratch: { name: string; url: string; pool: Pool } | undefined;
  let current: Arm | undefined;
  const pools: Pool[] = [];
  try {
    scratch = await prepareBenchDatabase(server.url, dataset, {
      fresh: false,
      logger,
      progress: silentProgress,
    });
    const results: Partial<Record<ArmName, ArmResults & { cache_hit_rate?: number | null }>> = {};
    for (const name of flags.arms) {
      const pool = createPool({ connectionString: scratch.url, max: config.poolSize });
      pools.push(pool);
      current = await armApp(pool, name, logger, config.redisUrl);
      const armResults = await runArm(name, current.app, flags);
      results[name] =
        name === 'uncached'
          ? armResults
          : { ...armResults, cache_hit_rate: current.composed.caching.cache.hitRate() };
      await closeArm(current);
      current = undefined;
    }

    const [uncached, cached] = [results.uncached?.plain, results.cached?.plain];
    const ratio =
      typeof uncached === 'object' && typeof cached === 'object'
        ? cached.requests_per_second / uncached.requests_per_second
        : undefined;
    const report = {
      started_at: new Date().toISOString(),
      request: `GET ${flags.path}`,
      dataset: { ...dataset, database: scratch.name },
      load: {
        tool: 'autocannon',
        connections: flags.connections,
        duration_s: flags.duration,
        warmup_s: flags.warmupSeconds,
      },
      environment: {
        node: process.version,
        platform: `${os.platform()} ${os.arch()}, ${os.cpus().length} CPUs`,
        loadavg: os.loadavg(),
        redis: config.redisUrl !== undefined,
        pool_size: config.poolSize,
      },
      ...results,
      ratio,
    };
    let table = `GET ${flags.path} — ${flags.genes} genes, ${flags.connections} connections, ${flags.duration} s per run (${report.environment.platform})\n`;
    for (const name of flags.arms)
      for (const kind of flags.requests) table += formatRow(`${name} ${kind}`, results[name]?.[kind]);
    if (ratio !== undefined)
      table += `ratio cached/uncached  ${ratio.toFixed(2)}× (cache hit rate ${results.cached?.cache_hit_rate?.toFixed(4) ?? 'n/a'})\n`;
    process.stdout.write(table);
    if (flags.json) await writeFile(flags.json, `${JSON.stringify(report, null, 2)}\n`);
    const failed = Object.values(results).some((arm) =>
      Object.values(arm ?? {}).some(
        (r) => typeof r === 'object' && r !== null && r.unexpected_status + r.errors > 0,
      ),
    );
    if (failed) process.exitCode = 1;
  } finally {
    await closeArm(current);
    for (const p of pools) await p.end();
    await scratch?.pool.end();
    await server.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
