import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { access, mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { buildApp } from '../app/build-app.js';
import { type Composition, compose } from '../app/compose.js';
import type { Config } from '../config.js';
import { openDatabase } from '../db/database.js';
import type { Pool } from '../db/pool.js';
import { KgdbError, toError } from '../errors.js';
import { cachedLegacyFacts } from '../genes/cached-gene-repository.js';
import { createLegacyGeneRepository } from '../genes/legacy/legacy-gene-repository.js';
import { createViewGeneRepository } from '../genes/views/view-gene-repository.js';
import { createLogger, type Logger } from '../logger.js';
import type { Progress } from '../progress.js';
import { type ArmName, type ArmServer, startArmServer } from './arm-server.js';
import { prepareBenchDatabase } from './bench-database.js';
import type { BenchPlan, HttpBenchPlan, InProcessBenchPlan } from './bench-plan.js';
import { recordStatements } from './direct-sql.js';
import { fixedArmService } from './fixed-arm.js';
import {
  type BenchArm,
  type BenchReport,
  formatBenchTable,
  geneBenchCases,
  type LegacyBenchArm,
  runGeneBench,
} from './genes-bench.js';
import { type HttpBenchReport, runHttpBench } from './http-bench.js';
import { formatHttpBenchMarkdown, replaceReadmeSection } from './http-bench-report.js';

/** `kgdb bench --http` or the in-process comparison, as the plan says. */
export async function runBench(
  plan: BenchPlan,
  config: Config,
  logger: Logger,
  progress: Progress,
): Promise<void> {
  if (plan.mode === 'http') await runHttp(plan, config, logger, progress);
  else await runInProcess(plan, config, logger, progress);
}

/** Both arms uncached, in this process, request by request (docs/benchmarks.md). */
async function runInProcess(
  plan: InProcessBenchPlan,
  config: Config,
  logger: Logger,
  progress: Progress,
): Promise<void> {
  const options = { iterations: plan.iterations, warmup: plan.warmup };
  const server = await openDatabase(config, logger);
  let scratch: { name: string; pool: Pool } | undefined;
  try {
    scratch = plan.current
      ? undefined
      : await prepareBenchDatabase(server.url, plan.dataset, { fresh: plan.fresh, logger, progress });
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
      const cases = await runGeneBench(arms, geneBenchCases(plan.search), options, progress);
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
      if (plan.json) await writeFile(plan.json, `${JSON.stringify(report, null, 2)}\n`);
    } finally {
      await arms.legacy.app.close();
      await arms.views.app.close();
      await composed.app.close();
    }
  } finally {
    await scratch?.pool.end();
    await server.close();
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

/** What reproduces an HTTP run: the measuring options spelled out, output options left out. */
function httpCommand(config: Config, plan: HttpBenchPlan): string {
  // The data dir says which embedded server holds the dataset; a DATABASE_URL would carry its password.
  const env =
    config.databaseUrl === undefined && process.env.KGDB_DATA_DIR
      ? `KGDB_DATA_DIR=${process.env.KGDB_DATA_DIR} `
      : '';
  const { genes, evidence, seed } = plan.dataset;
  const options =
    `--genes ${genes} --evidence ${evidence} --seed ${seed} --connections ${plan.connections.join(',')} ` +
    `--duration ${plan.durationSeconds} --warmup-duration ${plan.warmupSeconds}`;
  return `${env}npx kgdb bench --http ${options}${plan.current ? ' --current' : ''}`;
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
async function runHttp(
  plan: HttpBenchPlan,
  config: Config,
  logger: Logger,
  progress: Progress,
): Promise<void> {
  const { dataset } = plan;
  const options = {
    connections: plan.connections,
    durationSeconds: plan.durationSeconds,
    warmupSeconds: plan.warmupSeconds,
  };
  // Before the minutes of load, not after: a README without its markers, or a profile folder that cannot be
  // made, fails now.
  if (plan.readme) replaceReadmeSection(await readReadme(plan.readme), '', plan.readme);
  const cpuProfileDir = plan.cpuProf === undefined ? undefined : await profileDir(plan.cpuProf);
  const db = await openDatabase(config, logger);
  let scratch: { name: string; url: string; pool: Pool } | undefined;
  const servers: Partial<Record<ArmName, ArmServer>> = {};
  try {
    scratch = plan.current
      ? undefined
      : await prepareBenchDatabase(db.url, dataset, { fresh: plan.fresh, logger, progress });
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
      command: httpCommand(config, plan),
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
    if (plan.json) await writeFile(plan.json, `${JSON.stringify(report, null, 2)}\n`);
    // Read again: the file may have changed during the run.
    if (plan.readme) {
      const text = await readReadme(plan.readme);
      await writeFile(plan.readme, replaceReadmeSection(text, markdown, plan.readme));
    }
  } finally {
    for (const server of Object.values(servers)) await server.close();
    await scratch?.pool.end();
    await db.close();
  }
}
