import type { Command } from 'commander';
import type { BenchPlan } from '../../bench/bench-plan.js';
import { KgdbError } from '../../errors.js';
import { runCommand } from './run.js';
import { parseDatasetSize } from './seed.js';

/** Options without a commander default are undefined when not given: each mode rejects the other's. */
export interface BenchFlags {
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

/** Checks the flags of the mode given and spells out its defaults, or throws INVALID_PARAMETER naming the flag. Pure. */
export function parseBenchFlags(flags: BenchFlags): BenchPlan {
  if (flags.current && flags.fresh) {
    throw new KgdbError('INVALID_PARAMETER', {
      parameter: '--fresh',
      detail: '--fresh rebuilds the scratch database; it contradicts --current',
    });
  }
  const dataset = { ...benchDatasetSize(flags), seed: wholeNumber('--seed', flags.seed, 0) };
  const common = {
    dataset,
    current: flags.current === true,
    fresh: flags.fresh === true,
    ...(flags.json !== undefined && { json: flags.json }),
  };
  if (flags.http) {
    rejectGiven(
      flags,
      IN_PROCESS_ONLY,
      'applies to the in-process benchmark; --http runs for --duration seconds',
    );
    return {
      ...common,
      mode: 'http',
      connections: connectionList(flags.connections ?? '1,10,50,200'),
      durationSeconds: wholeNumber('--duration', flags.duration ?? '10', 1, 3600),
      warmupSeconds: wholeNumber('--warmup-duration', flags.warmupDuration ?? '2', 0, 600),
      ...(flags.readme !== undefined && { readme: flags.readme }),
      ...(flags.cpuProf !== undefined && { cpuProf: flags.cpuProf }),
    };
  }
  rejectGiven(flags, HTTP_ONLY, 'applies to --http only');
  return {
    ...common,
    mode: 'in-process',
    iterations: wholeNumber('--iterations', flags.iterations ?? '20', 1),
    warmup: wholeNumber('--warmup', flags.warmup ?? '2', 0),
    search: flags.search ?? 'pkd',
  };
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
        const plan = parseBenchFlags(flags); // bad flags fail here, before a database is opened
        const { runBench } = await import('../../bench/bench-runs.js');
        const { progressBar } = await import('./progress-bar.js');
        await runBench(plan, config, logger, progressBar(logger));
      }),
    );
}
