import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { buildApp } from '../../app/build-app.js';
import { type Composition, compose } from '../../app/compose.js';
import { type ArmName, type ArmServer, startArmServer } from '../../bench/arm-server.js';
import { prepareBenchDatabase } from '../../bench/bench-database.js';
import { recordStatements } from '../../bench/direct-sql.js';
import { fixedArmService } from '../../bench/fixed-arm.js';
import {
  type BenchArm,
  type BenchReport,
  formatBenchTable,
  geneBenchCases,
  type LegacyBenchArm,
  runGeneBench,
} from '../../bench/genes-bench.js';
import { type HttpBenchReport, runHttpBench } from '../../bench/http-bench.js';
import { formatHttpBenchMarkdown, replaceReadmeSection } from '../../bench/http-bench-report.js';
import type { Config } from '../../config.js';
import { openDatabase } from '../../db/database.js';
import type { Pool } from '../../db/pool.js';
import { KgdbError, toError } from '../../errors.js';
import { cachedLegacyFacts } from '../../genes/cached-gene-repository.js';
import { createLegacyGeneRepository } from '../../genes/legacy/legacy-gene-repository.js';
import { createViewGeneRepository } from '../../genes/views/view-gene-repository.js';
import { createLogger, type Logger } from '../../logger.js';
import { progressBar } from './progress-bar.js';
import { runCommand } from './run.js';
import { parseDatasetSize } from './seed.js';

/** Options without a commander default are undefined when not given: each mode rejects the other's. */
interface BenchFlags {
  http?: boolean;
  genes?: string;
  evidence?: string;
  seed: string;
  iterations?: string;
  warmup?: string;
  search?: string;
  connections?: string;
  duration?: string;
  warmupDuration?: string;
  readme?: string;
  json?: string;
  current?: boolean;
  fresh?: boolean;
  cpuProf?: string;
}

const IN_PROCESS_ONLY = ['iterations', 'warmup', 'search'] as const;
const HTTP_ONLY = ['connections', 'duration', 'warmupDuration', 'readme', 'cpuProf'] as const;
const MAX_CONNECTIONS = 1000;
/** Each mode's dataset when neither --genes nor --evidence is given. */
const DEFAULT_DATASET = {
  inProcess: { genes: 5000, evidence: 25_000 },
  http: { genes: 20_000, evidence: 57_000 },
};

/**
 * --genes and --evidence for the mode. --genes alone keeps the mode's evidence per gene (5 in process, as
 * `kgdb seed`; 2.85 with --http), so a small --genes is valid and `--http --genes 20000` names the same
 * scratch database as the --http default. Pure.
 */
export function benchDatasetSize(flags: { http?: boolean; genes?: string; evidence?: string }) {
  return parseDatasetSize(flags, flags.http ? DEFAULT_DATASET.http : DEFAULT_DATASET.inProcess);
}

const optionName = (key: string) => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

function wholeNumber(flag: string, raw: string, min: number, max = Number.POSITIVE_INFINITY): number {
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    const range = max === Number.POSITIVE_INFINITY ? `≥ ${min}` : `from ${min} to ${max}`;
    throw new KgdbError('INVALID_PARAMETER', {
      parameter: flag,
      detail: `${flag} must be a whole number ${range}, got '${raw}'`,
    });
  }
  return Number(raw);
}

/** `--connections 1,10,50,200`: distinct whole numbers, 1 … MAX_CONNECTIONS each, run in the order given. */
function connectionList(raw: string): number[] {
  const values = raw.split(',').map((item) => item.trim());
  const bad = values.find((v) => !/^\d+$/.test(v) || Number(v) < 1 || Number(v) > MAX_CONNECTIONS);
  const problem =
    bad !== undefined
      ? `'${bad}' is not a whole number from 1 to ${MAX_CONNECTIONS}`
      : new Set(values.map(Number)).size !== values.length
        ? 'a value is repeated'
        : undefined;
  if (problem) {
    throw new KgdbError('INVALID_PARAMETER', {
      parameter: '--connections',
      detail: `--connections takes a comma list of concurrencies such as 1,10,50,200: ${problem} in '${raw}'`,
    });
  }
  return values.map(Number);
}

/** Throws naming the first of `keys` given on the command line, and why it does not apply. */
function rejectGiven(flags: BenchFlags, keys: readonly (keyof BenchFlags)[], why: string): void {
  const given = keys.find((key) => flags[key] !== undefined);
  if (given) {
    throw new KgdbError('INVALID_PARAMETER', {
      parameter: optionName(given),
      detail: `${optionName(given)} ${why}`,
    });
  }
}

/** The views arm uncached: what a cache miss costs. */
async function viewsArm(composed: Composition, pool: Pool): Promise<BenchArm> {
  const genes = createViewGeneRepository(pool);
  return { app: await buildApp({ ...composed.parts, genes: fixedArmService('views', genes) }), genes };
}

/** The legacy arm as the server builds it: its list facts cached (and invalidated) as in production. */
async function legacyArm(composed: Composition, pool: Pool): Promise<LegacyBenchArm> {
  const recorder = recordStatements(pool);
  const genes = createLegacyGeneRepository(recorder.db, {
    cachedFacts: cachedLegacyFacts(composed.caching.cache),
  });
  const app = await buildApp({ ...composed.parts, genes: fixedArmService('legacy', genes) });
  return { app, genes, recorder, pool };
}

async function datasetFacts(pool: Pool) {
  const { rows } = await pool.query<{ genes: number; evidence: number; scored: number; version: string }>(
    `select (select count(*) from genes)::int as genes, (select count(*) from gene_evidence)::int as evidence,
            (select count(*) from gene_scores)::int as scored, current_setting('server_version') as version`,
  );
  const row = rows[0];
  if (!row) throw new Error('no dataset facts');
  return row;
}

export function registerBench(program: Command): void {
  program
    .command('bench')
    .description(
      "Benchmark the gene list: the legacy arm (upstream's SQL) vs the declared views, uncached, side by side " +
        'in process; with --http, over real HTTP with the cache on, hits vs misses',
    )
    .option('--http', 'two real servers (legacy, views) under autocannon: cache hits, misses and 304s')
    .option('--genes <n>', 'genes in the scratch dataset (default 5000; 20000 with --http)')
    .option(
      '--evidence <n>',
      'gene_evidence rows, ≤ 7 × genes (default 5 × genes: 25000; with --http 2.85 × genes: 57000)',
    )
    .option('--seed <n>', 'demo generator seed', '42')
    .option('--iterations <n>', 'in process: timed requests per case and arm (default 20)')
    .option('--warmup <n>', 'in process: untimed requests per case and arm before its timed ones (default 2)')
    .option('--search <term>', "in process: the search case (default 'pkd')")
    .option('--connections <list>', '--http: concurrencies, one run each (default 1,10,50,200)')
    .option('--duration <s>', '--http: seconds per run (default 10)')
    .option('--warmup-duration <s>', '--http: seconds of untimed load per case and arm (default 2; 0 = none)')
    .option('--readme <file>', '--http: also write the table into <file> between its bench:http markers')
    .option('--cpu-prof <dir>', '--http: each server writes a V8 CPU profile of its whole run into <dir>')
    .option('--json <file>', 'also write the report as JSON')
    .option('--current', 'benchmark the configured database as it is instead of a scratch one')
    .option('--fresh', 'rebuild the scratch database even if it holds the dataset')
    .addHelpText(
      'after',
      `
Without --current it creates (and keeps, for the next run) a database kgdb_bench_<genes>_<evidence>_<seed>
on the configured server, seeded by the demo generator, with the views applied. Progress goes to stderr,
the table to stdout (Markdown with --http; method in docs/benchmarks.md). Exit codes: 0 done; 1 bad flags,
database error, or an arm answered non-200 (with --http: its first request; later ones are counted).`,
    )
    .action((flags: BenchFlags) =>
      runCommand(async ({ config, logger }) => {
        if (flags.current && flags.fresh) {
          throw new KgdbError('INVALID_PARAMETER', {
            parameter: '--fresh',
            detail: '--fresh rebuilds the scratch database; it contradicts --current',
          });
        }
        if (flags.http) return runHttp(flags, config, logger);
        rejectGiven(flags, HTTP_ONLY, 'applies to --http only');
        const dataset = {
          ...benchDatasetSize(flags),
          seed: wholeNumber('--seed', flags.seed, 0),
        };
        const options = {
          iterations: wholeNumber('--iterations', flags.iterations ?? '20', 1),
          warmup: wholeNumber('--warmup', flags.warmup ?? '2', 0),
        };
        const progress = progressBar(logger);
        const server = await openDatabase(config, logger);
        let scratch: { name: string; pool: Pool } | undefined;
        try {
          scratch = flags.current
            ? undefined
            : await prepareBenchDatabase(server.url, dataset, {
                fresh: flags.fresh === true,
                logger,
                progress,
              });
          const pool = scratch?.pool ?? server.pool;
          const facts = await datasetFacts(pool);
          // The production graph (cache, listeners) with one app per arm built from its parts.
          const composed = await compose({
            pool,
            logger: createLogger('silent'),
            jwtSecret: randomBytes(32).toString('base64url'),
            guard: false,
          });
          const arms = { legacy: await legacyArm(composed, pool), views: await viewsArm(composed, pool) };
          const started = new Date();
          try {
            const cases = await runGeneBench(arms, geneBenchCases(flags.search ?? 'pkd'), options, progress);
            const report: BenchReport = {
              started_at: started.toISOString(),
              dataset: {
                genes: facts.genes,
                evidence: facts.evidence,
                scored_genes: facts.scored,
                database: scratch?.name ?? 'current',
              },
              environment: {
                node: process.version,
                postgres: facts.version,
                platform: `${os.platform()} ${os.arch()}, ${os.cpus().length} CPUs`,
              },
              options,
              cases,
            };
            process.stdout.write(formatBenchTable(report));
            if (flags.json) await writeFile(flags.json, `${JSON.stringify(report, null, 2)}\n`);
          } finally {
            await arms.legacy.app.close();
            await arms.views.app.close();
            await composed.app.close();
          }
        } finally {
          await scratch?.pool.end();
          await server.close();
        }
      }),
    );
}

/** What reproduces an HTTP run: the measuring options spelled out, output options left out. */
function httpCommand(config: Config, flags: BenchFlags, parts: Record<string, string | number>): string {
  // The data dir says which embedded server holds the dataset; a DATABASE_URL would carry its password.
  const env =
    config.databaseUrl === undefined && process.env.KGDB_DATA_DIR
      ? `KGDB_DATA_DIR=${process.env.KGDB_DATA_DIR} `
      : '';
  const options = Object.entries(parts).map(([key, value]) => `${optionName(key)} ${value}`);
  return `${env}npx kgdb bench --http ${options.join(' ')}${flags.current ? ' --current' : ''}`;
}

async function readReadme(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (raw) {
    throw new KgdbError('INVALID_PARAMETER', {
      parameter: '--readme',
      detail: `--readme: cannot read ${file}: ${toError(raw).message}`,
    });
  }
}

/** The absolute path of --cpu-prof's folder, made if missing. */
async function profileDir(dir: string): Promise<string> {
  const absolute = path.resolve(dir);
  try {
    await mkdir(absolute, { recursive: true });
    await access(absolute, constants.W_OK);
    return absolute;
  } catch (raw) {
    throw new KgdbError('INVALID_PARAMETER', {
      parameter: '--cpu-prof',
      detail: `--cpu-prof: cannot write profiles into ${absolute}: ${toError(raw).message}`,
    });
  }
}

/** `kgdb bench --http`: one server per arm in its own process, autocannon here (docs/benchmarks.md). */
async function runHttp(flags: BenchFlags, config: Config, logger: Logger): Promise<void> {
  rejectGiven(
    flags,
    IN_PROCESS_ONLY,
    'applies to the in-process benchmark; --http runs for --duration seconds',
  );
  const dataset = {
    ...benchDatasetSize(flags),
    seed: wholeNumber('--seed', flags.seed, 0),
  };
  const options = {
    connections: connectionList(flags.connections ?? '1,10,50,200'),
    durationSeconds: wholeNumber('--duration', flags.duration ?? '10', 1, 3600),
    warmupSeconds: wholeNumber('--warmup-duration', flags.warmupDuration ?? '2', 0, 600),
  };
  // Before the minutes of load, not after: a README without its markers, or a profile folder that cannot be
  // made, fails now.
  if (flags.readme) replaceReadmeSection(await readReadme(flags.readme), '', flags.readme);
  const cpuProfileDir = flags.cpuProf === undefined ? undefined : await profileDir(flags.cpuProf);
  const progress = progressBar(logger);
  const db = await openDatabase(config, logger);
  let scratch: { name: string; url: string; pool: Pool } | undefined;
  const servers: Partial<Record<ArmName, ArmServer>> = {};
  try {
    scratch = flags.current
      ? undefined
      : await prepareBenchDatabase(db.url, dataset, { fresh: flags.fresh === true, logger, progress });
    const facts = await datasetFacts(scratch?.pool ?? db.pool);
    // Both pinned in code, so they share the one database; each has the pool `kgdb serve` would have.
    for (const arm of ['legacy', 'views'] as const) {
      servers[arm] = await startArmServer({
        arm,
        databaseUrl: scratch?.url ?? db.url,
        poolSize: config.poolSize,
        redisUrl: config.redisUrl,
        ...(cpuProfileDir && { cpuProfileDir }),
      });
    }
    const started = new Date();
    const cpus = os.cpus();
    const environment = {
      node: process.version,
      postgres: facts.version,
      platform: `${os.platform()} ${os.arch()}`,
      cpu: `${cpus.length} × ${cpus[0]?.model.trim() ?? 'unknown CPU'}`,
      memory_gb: Math.round(os.totalmem() / 2 ** 30),
      load_average: Math.round((os.loadavg()[0] ?? 0) * 100) / 100,
      pool_size: config.poolSize,
      redis: config.redisUrl !== undefined,
    };
    const cases = await runHttpBench(servers as Record<ArmName, ArmServer>, options, progress);
    const report: HttpBenchReport = {
      started_at: started.toISOString(),
      command: httpCommand(config, flags, {
        genes: dataset.genes,
        evidence: dataset.evidence,
        seed: dataset.seed,
        connections: options.connections.join(','),
        duration: options.durationSeconds,
        warmupDuration: options.warmupSeconds,
      }),
      dataset: {
        genes: facts.genes,
        evidence: facts.evidence,
        scored_genes: facts.scored,
        database: scratch?.name ?? 'current',
      },
      environment,
      options: {
        connections: options.connections,
        duration_s: options.durationSeconds,
        warmup_s: options.warmupSeconds,
      },
      cases,
    };
    const markdown = formatHttpBenchMarkdown(report);
    process.stdout.write(markdown);
    if (flags.json) await writeFile(flags.json, `${JSON.stringify(report, null, 2)}\n`);
    // Read again: the file may have changed during the run.
    if (flags.readme) {
      const text = await readReadme(flags.readme);
      await writeFile(flags.readme, replaceReadmeSection(text, markdown, flags.readme));
    }
  } finally {
    for (const server of Object.values(servers)) await server.close();
    await scratch?.pool.end();
    await db.close();
  }
}
