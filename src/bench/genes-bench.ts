import type { FastifyInstance } from 'fastify';
import { type Pool, withClient } from '../db/pool.js';
import { toGeneListQuery } from '../genes/gene-list-query.js';
import type { GeneListQuery, GeneRepository } from '../genes/gene-repository.js';
import type { GeneListQuerystring } from '../genes/gene-schemas.js';
import { SORTABLE_FIELDS } from '../genes/gene-sort.js';
import { type Progress, silentProgress } from '../progress.js';
import { type StatementRecorder, timeDirect } from './direct-sql.js';

/**
 * Glossary
 * - arm: one way of answering (legacy = upstream's hand-written SQL ported, views = the declared views; both
 *   uncached, except the legacy list's facts, which upstream cached too).
 * - case: one request, sent to both arms: through the HTTP route (app.inject, so parsing, SQL and JSON
 *   serialization all count) or, for pages the route does not allow (1000 rows), to the repository directly.
 * - sample: the wall time of one request on one arm, timed after the arm's warm-up calls.
 * - direct: the statements one legacy request sent, run again straight through pg on one connection; the
 *   legacy arm's database time per request over this is its overhead over upstream's own SQL.
 */

export interface BenchArm {
  app: FastifyInstance;
  genes: GeneRepository;
}

/** The legacy arm, its repository built on `recorder.db` so its statements and database time are seen. */
export interface LegacyBenchArm extends BenchArm {
  recorder: StatementRecorder;
  pool: Pool;
}

export type BenchCase =
  | { name: string; kind: 'route'; url: string }
  | { name: string; kind: 'repository'; query: GeneListQuery };

export interface ArmStats {
  median_ms: number;
  p99_ms: number;
  mean_ms: number;
  min_ms: number;
  max_ms: number;
  samples: number;
}

export interface CaseResult {
  name: string;
  kind: BenchCase['kind'];
  /** Request URL, or the repository call described as one. */
  request: string;
  legacy: ArmStats;
  views: ArmStats;
  /** legacy median / views median. */
  speedup: number;
  /** Database time per legacy request (its statements' durations summed). */
  legacy_db: ArmStats;
  /** The same statements sent directly, one after another. */
  direct: ArmStats;
  /** legacy_db median / direct median. */
  legacy_vs_direct: number;
  /** Both arms returned the same body (route) or value (repository) on the first call. */
  identical: boolean;
}

export interface BenchOptions {
  iterations: number;
  /** Untimed calls per arm and case before its samples (catalog caches and buffers warm). */
  warmup: number;
}

export interface BenchReport {
  started_at: string;
  dataset: { genes: number; evidence: number; scored_genes: number; database: string };
  environment: { node: string; postgres: string; platform: string };
  options: BenchOptions;
  cases: CaseResult[];
}

const route = (name: string, url: string): BenchCase => ({ name, kind: 'route', url });

/** One case per list filter, each alone, with values that keep a sizeable share of the genes. */
const FILTERS = {
  min_score: 'filter[min_score]=30',
  max_score: 'filter[max_score]=30',
  min_count: 'filter[min_count]=3',
  max_count: 'filter[max_count]=3',
  tier: 'filter[tier]=established_support',
  group: 'filter[group]=emerging_evidence',
  source: 'filter[source]=ClinGen',
  'hide_zero_scores=false': 'filter[hide_zero_scores]=false',
};

/** The benchmark's cases: page sizes 10/20/100 (route) and 1000 (repository), a search, each filter, every sort both ways. */
export function geneBenchCases(search = 'pkd'): BenchCase[] {
  const thousand: GeneListQuerystring = { 'page[size]': 100 };
  return [
    route('page size 10', '/api/genes/?page[size]=10'),
    route('default first page (20)', '/api/genes/'),
    route('page size 100', '/api/genes/?page[size]=100'),
    {
      name: 'page size 1000 (repository)',
      kind: 'repository',
      query: { ...toGeneListQuery(thousand), size: 1000 },
    },
    route(`search '${search}'`, `/api/genes/?filter[search]=${encodeURIComponent(search)}`),
    ...Object.entries(FILTERS).map(([name, query]) => route(`filter ${name}`, `/api/genes/?${query}`)),
    ...SORTABLE_FIELDS.flatMap((field) => [
      route(`sort ${field}`, `/api/genes/?sort=${field}`),
      route(`sort -${field}`, `/api/genes/?sort=-${field}`),
    ]),
  ];
}

/** Nearest-rank percentile of sorted samples. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] as number;
}

export function armStats(samples: readonly number[]): ArmStats {
  const sorted = [...samples].sort((a, b) => a - b);
  const round = (ms: number) => Math.round(ms * 1000) / 1000;
  const mid = sorted.length / 2;
  const median =
    sorted.length % 2 === 1
      ? (sorted[Math.floor(mid)] as number)
      : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
  return {
    median_ms: round(median),
    p99_ms: round(percentile(sorted, 99)),
    mean_ms: round(sorted.reduce((s, x) => s + x, 0) / sorted.length),
    min_ms: round(sorted[0] as number),
    max_ms: round(sorted[sorted.length - 1] as number),
    samples: sorted.length,
  };
}

/** One call of a case on one arm: its duration and what it returned (for the identity check). */
async function call(arm: BenchArm, c: BenchCase): Promise<{ ms: number; value: string }> {
  const started = performance.now();
  if (c.kind === 'repository') {
    const page = await arm.genes.list(c.query);
    return { ms: performance.now() - started, value: JSON.stringify(page) };
  }
  const res = await arm.app.inject({ method: 'GET', url: c.url });
  const ms = performance.now() - started;
  if (res.statusCode !== 200)
    throw new Error(`${c.url} answered ${res.statusCode}: ${res.body.slice(0, 300)}`);
  return { ms, value: res.body };
}

async function samples(
  arm: BenchArm,
  c: BenchCase,
  options: BenchOptions,
  progress: Progress,
): Promise<number[]> {
  for (let i = 0; i < options.warmup; i++) await call(arm, c);
  progress.advance(options.warmup);
  const out: number[] = [];
  for (let i = 0; i < options.iterations; i++) {
    out.push((await call(arm, c)).ms);
    progress.advance(1);
  }
  return out;
}

/**
 * The legacy arm's samples, each followed by its own statements sent directly (same data, same moment, so
 * machine noise hits both alike): wall time, database time per request, and the direct time.
 */
async function legacySamples(arm: LegacyBenchArm, c: BenchCase, options: BenchOptions, progress: Progress) {
  return withClient(arm.pool, async (client) => {
    const out = { wall: [] as number[], dbMs: [] as number[], direct: [] as number[] };
    arm.recorder.take();
    for (let i = 0; i < options.warmup + options.iterations; i++) {
      const { ms } = await call(arm, c);
      const { statements, dbMs } = arm.recorder.take();
      const direct = await timeDirect(client, statements);
      if (i >= options.warmup) {
        out.wall.push(ms);
        out.dbMs.push(dbMs);
        out.direct.push(direct);
      }
      progress.advance(1);
    }
    return out;
  });
}

/**
 * Runs every case on both arms: first one call of each to compare what they return, then per arm its
 * warm-up and its timed calls as one block (legacy, then views). Blocks rather than alternating calls: a
 * legacy call keeps both cores busy for hundreds of milliseconds (parallel workers, a whole-table window
 * sort), and a views call right after it would measure that aftermath, not itself.
 */
export async function runGeneBench(
  arms: { legacy: LegacyBenchArm; views: BenchArm },
  cases: readonly BenchCase[],
  options: BenchOptions,
  progress: Progress = silentProgress,
): Promise<CaseResult[]> {
  const results: CaseResult[] = [];
  progress.start('benchmark', cases.length * 2 * (options.iterations + options.warmup));
  for (const c of cases) {
    const identical = (await call(arms.legacy, c)).value === (await call(arms.views, c)).value;
    const legacy = await legacySamples(arms.legacy, c, options, progress);
    const l = armStats(legacy.wall);
    const db = armStats(legacy.dbMs);
    const direct = armStats(legacy.direct);
    const v = armStats(await samples(arms.views, c, options, progress));
    results.push({
      name: c.name,
      kind: c.kind,
      request: c.kind === 'route' ? c.url : `GeneRepository.list(page 1, size ${c.query.size}, default sort)`,
      legacy: l,
      views: v,
      speedup: Math.round((l.median_ms / v.median_ms) * 10) / 10,
      legacy_db: db,
      direct,
      legacy_vs_direct: Math.round((db.median_ms / direct.median_ms) * 100) / 100,
      identical,
    });
  }
  progress.done();
  return results;
}

const fmt = (ms: number): string => (ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2));

/** The report as a fixed-width table: median and p99 per arm, the speed-up, and the identity check. */
export function formatBenchTable(report: BenchReport): string {
  const header = [
    'case',
    'legacy p50 ms',
    'legacy p99 ms',
    'views p50 ms',
    'views p99 ms',
    'speed-up',
    'legacy db ms',
    'direct ms',
    'db/direct',
    'same',
  ];
  const rows = report.cases.map((c) => [
    c.name,
    fmt(c.legacy.median_ms),
    fmt(c.legacy.p99_ms),
    fmt(c.views.median_ms),
    fmt(c.views.p99_ms),
    `${c.speedup}×`,
    fmt(c.legacy_db.median_ms),
    fmt(c.direct.median_ms),
    c.legacy_vs_direct.toFixed(2),
    c.identical ? 'yes' : 'NO',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
      .join('  ');
  const { dataset, options, environment } = report;
  return [
    `genes ${dataset.genes} (scored ${dataset.scored_genes}), evidence ${dataset.evidence}, database ${dataset.database}`,
    `${options.iterations} iterations after ${options.warmup} warm-up per arm; PostgreSQL ${environment.postgres}, Node ${environment.node}`,
    '',
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
    '',
    ...summaryLines(report.cases),
    '',
  ].join('\n');
}

/** The two ratios the benchmark exists for, over all cases: views over legacy, legacy over its own SQL. */
function summaryLines(cases: readonly CaseResult[]): string[] {
  if (cases.length === 0) return [];
  const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
  const speedups = sorted(cases.map((c) => c.speedup));
  const overheads = sorted(cases.map((c) => c.legacy_vs_direct));
  const median = (xs: number[]) => armStats(xs).median_ms;
  const byName = (name: string) => cases.find((c) => c.name === name);
  const first = byName('default first page (20)');
  return [
    `views (uncached) over legacy: median ${median(speedups)}× (${speedups[0]}× … ${speedups.at(-1)}×)` +
      (first ? `; default first page ${first.speedup}×` : ''),
    `legacy database time over its statements sent directly: median ${median(overheads).toFixed(2)} ` +
      `(${overheads[0]?.toFixed(2)} … ${overheads.at(-1)?.toFixed(2)})`,
  ];
}
