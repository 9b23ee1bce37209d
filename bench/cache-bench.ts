/**
 * `GET /api/genes/` requests per second through the cache vs without it, under autocannon.
 *
 *   npx tsx bench/cache-bench.ts [--duration 20] [--connections 50] [--path /api/genes/] [--json file]
 *
 * Uses the configured server (DATABASE_URL, else the embedded one in KGDB_DATA_DIR) and the scratch database
 * the `kgdb bench` command keeps: the default demo dataset (5,000 genes, 25,000 evidence rows, seed 42) with
 * the views applied. Two real servers listen on 127.0.0.1 (ephemeral ports), each the production graph
 * (`compose`) on its own pool of the same size with /api/genes pinned to the views path (no flag, no shadow):
 * "uncached" as `kgdb serve` was before the cache (views and statistics straight from PostgreSQL), "cached"
 * with the cache live (its invalidation listener connected). autocannon runs as a separate process, one arm
 * after the other, each after a short warm-up. Results go to stdout (and --json); progress to stderr.
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
import { DEFAULT_DEMO } from '../src/data/demo/seed-demo.js';
import { openDatabase } from '../src/db/database.js';
import { createPool, type Pool } from '../src/db/pool.js';
import { createCachedGeneRepository } from '../src/genes/cached-gene-repository.js';
import { createViewGeneRepository } from '../src/genes/views/view-gene-repository.js';
import { createLogger, type Logger } from '../src/logger.js';
import { silentProgress } from '../src/progress.js';
import { createStatisticsRepository } from '../src/statistics/statistics-repository.js';

interface Flags {
  duration: number;
  connections: number;
  path: string;
  json: string | undefined;
  warmupSeconds: number;
}

function parseFlags(argv: readonly string[]): Flags {
  const flags: Flags = {
    duration: 20,
    connections: 50,
    path: '/api/genes/',
    json: undefined,
    warmupSeconds: 3,
  };
  for (let i = 0; i < argv.length; i += 2) {
    const [name, value] = [argv[i], argv[i + 1]];
    if (value === undefined) throw new Error(`${name} needs a value`);
    if (name === '--duration') flags.duration = Number(value);
    else if (name === '--connections') flags.connections = Number(value);
    else if (name === '--warmup') flags.warmupSeconds = Number(value);
    else if (name === '--path') flags.path = value;
    else if (name === '--json') flags.json = value;
    else
      throw new Error(`unknown flag ${name}; allowed: --duration, --connections, --warmup, --path, --json`);
  }
  for (const [name, n] of [
    ['--duration', flags.duration],
    ['--connections', flags.connections],
    ['--warmup', flags.warmupSeconds],
  ] as const) {
    if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a whole number ≥ 1`);
  }
  return flags;
}

interface ArmResult {
  requests_per_second: number;
  latency_p50_ms: number;
  latency_p99_ms: number;
  total_requests: number;
  non_2xx: number;
  errors: number;
  timeouts: number;
}

/** autocannon's CLI in its own process (so the load generator does not share the servers' event loop). */
function autocannon(url: string, connections: number, seconds: number): Promise<ArmResult> {
  const bin = createRequire(import.meta.url).resolve('autocannon');
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [bin, '-j', '-c', String(connections), '-d', String(seconds), url],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`autocannon exited with ${code}`));
      const r = JSON.parse(out);
      resolve({
        requests_per_second: r.requests.average,
        latency_p50_ms: r.latency.p50,
        latency_p99_ms: r.latency.p99,
        total_requests: r.requests.total,
        non_2xx: r.non2xx,
        errors: r.errors,
        timeouts: r.timeouts,
      });
    });
  });
}

async function listen(app: FastifyInstance): Promise<string> {
  return app.listen({ host: '127.0.0.1', port: 0 });
}

async function runArm(name: string, app: FastifyInstance, flags: Flags): Promise<ArmResult> {
  const address = await listen(app);
  const url = `${address}${flags.path}`;
  const probe = await fetch(url);
  if (probe.status !== 200) throw new Error(`${name}: GET ${flags.path} answered ${probe.status}`);
  process.stderr.write(
    `${name}: warm-up ${flags.warmupSeconds} s, then ${flags.duration} s at ${flags.connections} connections\n`,
  );
  await autocannon(url, flags.connections, flags.warmupSeconds);
  const result = await autocannon(url, flags.connections, flags.duration);
  process.stderr.write(`${name}: ${result.requests_per_second.toFixed(0)} req/s\n`);
  return result;
}

interface Arm {
  composed: Composition;
  app: FastifyInstance;
}

/**
 * The production graph on `pool` and an app from its parts whose /api/genes the views path answers, through
 * the composition's cache or not; uncached, /api/statistics reads PostgreSQL directly too.
 */
async function armApp(
  pool: Pool,
  cached: boolean,
  logger: Logger,
  redisUrl: string | undefined,
): Promise<Arm> {
  const composed = await compose({
    pool,
    logger,
    jwtSecret: randomBytes(32).toString('base64url'),
    redisUrl: cached ? redisUrl : undefined,
    guard: false,
  });
  composed.startBackground();
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
  await arm?.app.close();
  await arm?.composed.app.close();
}

async function main() {
  const flags = parseFlags(process.argv.slice(2));
  const config = loadConfig(process.env);
  const logger = createLogger('warn', 2);
  const server = await openDatabase(config, logger);
  const dataset = { genes: DEFAULT_DEMO.genes, evidence: DEFAULT_DEMO.evidence, seed: DEFAULT_DEMO.seed };
  let scratch: { name: string; url: string; pool: Pool } | undefined;
  const arms: { uncached?: Arm; cached?: Arm } = {};
  const pools: Pool[] = [];
  try {
    scratch = await prepareBenchDatabase(server.url, dataset, {
      fresh: false,
      logger,
      progress: silentProgress,
    });
    const pool = () => {
      const p = createPool({ connectionString: scratch?.url ?? '', max: config.poolSize });
      pools.push(p);
      return p;
    };

    arms.uncached = await armApp(pool(), false, logger, config.redisUrl);
    const uncachedResult = await runArm('uncached', arms.uncached.app, flags);
    await closeArm(arms.uncached);
    arms.uncached = undefined;

    arms.cached = await armApp(pool(), true, logger, config.redisUrl);
    const cachedResult = await runArm('cached', arms.cached.app, flags);
    const hitRate = arms.cached.composed.caching.cache.hitRate();
    await closeArm(arms.cached);
    arms.cached = undefined;

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
        redis: config.redisUrl !== undefined,
        pool_size: config.poolSize,
      },
      uncached: uncachedResult,
      cached: { ...cachedResult, cache_hit_rate: hitRate },
      ratio: cachedResult.requests_per_second / uncachedResult.requests_per_second,
    };
    const row = (name: string, r: ArmResult) =>
      `${name.padEnd(9)} ${r.requests_per_second.toFixed(0).padStart(8)} req/s   p50 ${String(r.latency_p50_ms).padStart(4)} ms   p99 ${String(r.latency_p99_ms).padStart(4)} ms   ${r.total_requests} requests, ${r.non_2xx} non-2xx, ${r.errors} errors\n`;
    process.stdout.write(
      `GET ${flags.path} — ${flags.connections} connections, ${flags.duration} s per arm (${report.environment.platform})\n` +
        row('uncached', uncachedResult) +
        row('cached', cachedResult) +
        `ratio     ${report.ratio.toFixed(2)}× (cache hit rate ${hitRate === null ? 'n/a' : hitRate.toFixed(4)})\n`,
    );
    if (flags.json) await writeFile(flags.json, `${JSON.stringify(report, null, 2)}\n`);
    if (uncachedResult.non_2xx + cachedResult.non_2xx + uncachedResult.errors + cachedResult.errors > 0)
      process.exitCode = 1;
  } finally {
    await closeArm(arms.uncached);
    await closeArm(arms.cached);
    for (const p of pools) await p.end();
    await scratch?.pool.end();
    await server.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
