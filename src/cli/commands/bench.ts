import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import type { Command } from 'commander';
import { buildApp } from '../../app/build-app.js';
import { type Composition, compose } from '../../app/compose.js';
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
import { openDatabase } from '../../db/database.js';
import type { Pool } from '../../db/pool.js';
import { KgdbError } from '../../errors.js';
import { cachedLegacyFacts } from '../../genes/cached-gene-repository.js';
import { createLegacyGeneRepository } from '../../genes/legacy/legacy-gene-repository.js';
import { createViewGeneRepository } from '../../genes/views/view-gene-repository.js';
import { createLogger } from '../../logger.js';
import { progressBar } from './progress-bar.js';
import { runCommand } from './run.js';

interface BenchFlags {
  genes: string;
  evidence: string;
  seed: string;
  iterations: string;
  warmup: string;
  search: string;
  json?: string;
  current?: boolean;
  fresh?: boolean;
}

function wholeNumber(flag: string, raw: string, min: number): number {
  if (!/^\d+$/.test(raw) || Number(raw) < min) {
    throw new KgdbError('INVALID_PARAMETER', {
      parameter: flag,
      detail: `${flag} must be a whole number ≥ ${min}, got '${raw}'`,
    });
  }
  return Number(raw);
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
      "Benchmark the gene list: the legacy arm (upstream's SQL) vs the declared views, uncached, side by side",
    )
    .option('--genes <n>', 'genes in the scratch dataset', '5000')
    .option('--evidence <n>', 'gene_evidence rows in the scratch dataset (≤ 7 × genes)', '25000')
    .option('--seed <n>', 'demo generator seed', '42')
    .option('--iterations <n>', 'timed requests per case and arm', '20')
    .option('--warmup <n>', 'untimed requests per case and arm before its timed ones', '2')
    .option('--search <term>', 'the search case', 'pkd')
    .option('--json <file>', 'also write the report as JSON')
    .option('--current', 'benchmark the configured database as it is instead of a scratch one')
    .option('--fresh', 'rebuild the scratch database even if it holds the dataset')
    .addHelpText(
      'after',
      `
Without --current it creates (and keeps, for the next run) a database kgdb_bench_<genes>_<evidence>_<seed>
on the configured server, seeded by the demo generator, with the views applied. Progress goes to stderr,
the table to stdout. Exit codes: 0 done; 1 bad flags, database error, or an arm answered non-200.`,
    )
    .action((flags: BenchFlags) =>
      runCommand(async ({ config, logger }) => {
        if (flags.current && flags.fresh) {
          throw new KgdbError('INVALID_PARAMETER', {
            parameter: '--fresh',
            detail: '--fresh rebuilds the scratch database; it contradicts --current',
          });
        }
        const dataset = {
          genes: wholeNumber('--genes', flags.genes, 1),
          evidence: wholeNumber('--evidence', flags.evidence, 0),
          seed: wholeNumber('--seed', flags.seed, 0),
        };
        const options = {
          iterations: wholeNumber('--iterations', flags.iterations, 1),
          warmup: wholeNumber('--warmup', flags.warmup, 0),
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
            const cases = await runGeneBench(arms, geneBenchCases(flags.search), options, progress);
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
