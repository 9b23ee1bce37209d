import type { Command } from 'commander';
import { DEFAULT_DEMO, type DemoOptions, MAX_EVIDENCE_PER_GENE } from '../../data/demo/demo-options.js';
import type { DemoSummary } from '../../data/demo/seed-demo.js';
import { KgdbError } from '../../errors.js';
import { runCommand, withMigratedDatabase } from './run.js';

/** The flags as commander hands them over: strings, or undefined when absent. */
export interface RawSeedFlags {
  demo?: boolean;
  genes?: string;
  evidence?: string;
  logs?: string;
  seed?: string;
  replace?: boolean;
}

function wholeNumber(flag: string, raw: string | undefined, fallback: number, min: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(value) || value < min) {
    throw new KgdbError('INVALID_PARAMETER', {
      parameter: flag,
      detail: `${flag} must be a whole number ≥ ${min}, got '${raw}'`,
    });
  }
  return value;
}

/**
 * --genes and --evidence of a demo dataset. --evidence defaults to the evidence per gene of `defaults` (5 for
 * the demo's 25,000 / 5,000) times --genes, so a smaller --genes alone stays valid; it may not exceed 7 × genes.
 * Throws INVALID_PARAMETER naming the flag. Pure.
 */
export function parseDatasetSize(
  flags: { genes?: string; evidence?: string },
  defaults: { genes: number; evidence: number },
): { genes: number; evidence: number } {
  const genes = wholeNumber('--genes', flags.genes, defaults.genes, 1);
  const scaled = Math.round((genes * defaults.evidence) / defaults.genes);
  const evidence = wholeNumber('--evidence', flags.evidence, scaled, 0);
  const limit = genes * MAX_EVIDENCE_PER_GENE;
  if (evidence > limit) {
    throw new KgdbError('INVALID_PARAMETER', {
      parameter: '--evidence',
      detail: `--evidence must be at most ${MAX_EVIDENCE_PER_GENE} × --genes = ${limit} (one row per gene and source), got ${evidence}`,
    });
  }
  return { genes, evidence };
}

/** Turns the flags into library options, or throws INVALID_PARAMETER naming the flag. Pure. */
export function parseSeedFlags(flags: RawSeedFlags): { options: DemoOptions; replace: boolean } {
  if (!flags.demo) {
    throw new KgdbError('INVALID_PARAMETER', {
      parameter: '--demo',
      detail:
        '--demo is required: the synthetic demo dataset is the only kind of seed (real data: kgdb import)',
    });
  }
  const { genes, evidence } = parseDatasetSize(flags, DEFAULT_DEMO);
  return {
    options: {
      genes,
      evidence,
      logs: wholeNumber('--logs', flags.logs, DEFAULT_DEMO.logs, 0),
      seed: wholeNumber('--seed', flags.seed, DEFAULT_DEMO.seed, 0),
    },
    replace: flags.replace === true,
  };
}

export function formatSeedSummary(s: DemoSummary): string {
  return (
    `seeded demo dataset: ${s.genes} genes, ${s.evidence} evidence rows, ${s.logs} log rows, ` +
    `${s.users} demo users in ${(s.ms / 1000).toFixed(1)} s\n`
  );
}

export function registerSeed(program: Command): void {
  program
    .command('seed')
    .description(
      'Load the deterministic synthetic demo dataset (real kidney genes first, then synthetic ones)',
    )
    .option('--demo', 'generate the demo dataset (required)')
    .option('--genes <n>', `number of genes, ≥ 1 (${DEFAULT_DEMO.genes})`)
    .option(
      '--evidence <n>',
      `exact number of evidence rows, ≤ 7 × genes (${DEFAULT_DEMO.evidence / DEFAULT_DEMO.genes} × genes)`,
    )
    .option('--logs <n>', `exact number of system_logs rows over the last 30 days (${DEFAULT_DEMO.logs})`)
    .option(
      '--seed <s>',
      `PRNG seed, a whole number; the same seed gives the same data (${DEFAULT_DEMO.seed})`,
    )
    .option('--replace', 'first delete all genes (with evidence), all system logs and the demo accounts')
    .addHelpText(
      'after',
      `
Everything is written in one transaction; timestamps are relative to the current hour.
The demo goes into a database without genes. Genes of an earlier demo: --replace seeds again. Imported genes
(kgdb import): the demo is never mixed with real data; seed another data dir or DATABASE_URL instead
(--replace would delete the import).
Exit codes: 0 seeded; 1 nothing written (invalid flags, INVALID_PARAMETER; genes already present without
--replace, CONFLICT; database unreachable).`,
    )
    .action((flags: RawSeedFlags) =>
      runCommand(async (ctx) => {
        const { options, replace } = parseSeedFlags(flags); // bad flags fail here, before a database is opened
        await withMigratedDatabase(ctx, async (db) => {
          const { replaceDemo, seedDemo } = await import('../../data/demo/seed-demo.js');
          const { progressBar } = await import('./progress-bar.js');
          const run = replace ? replaceDemo : seedDemo;
          process.stdout.write(formatSeedSummary(await run(db.pool, options, progressBar(ctx.logger))));
        });
      }),
    );
}
