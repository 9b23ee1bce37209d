import { KgdbError } from '../errors.js';
import type { HttpBenchReport, RunPair, RunResult, Unsupported } from './http-bench.js';

/** The README section `--readme` rewrites: everything between these two lines, the lines kept. */
export const README_START = '<!-- bench:http:start -->';
export const README_END = '<!-- bench:http:end -->';

const int = (n: number) => Math.round(n).toLocaleString('en-US');
const ms = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const times = (x: number) => `${x >= 10 ? x.toFixed(1) : x >= 0.1 ? x.toFixed(2) : x.toPrecision(2)}×`;
const percent = (x: number | null) => (x === null ? 'n/a' : `${(x * 100).toFixed(2)} %`);

const HEADER = [
  'case',
  'c',
  'arm',
  'req/s',
  'p50 ms',
  'p90 ms',
  'p99 ms',
  'max ms',
  'errors / bad status / timeouts',
  'MB/s',
  'answer cache hits',
  'views/legacy req/s',
  'views/legacy p50',
] as const;

function runCells(r: RunResult): string[] {
  const latency = r.latency_ms;
  return [
    int(r.req_per_s),
    ...(latency ? [latency.p50, latency.p90, latency.p99, latency.max].map(ms) : ['—', '—', '—', '—']),
    `${r.errors} / ${r.unexpected_status} / ${r.timeouts}`,
    (r.bytes_per_s / 1e6).toFixed(2),
    percent(r.cache.hit_ratio),
  ];
}

const row = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;

function pairRows(caseName: string, pair: RunPair): string[] {
  const cells = (arm: 'legacy' | 'views', result: RunResult | Unsupported, ratio: string[]) =>
    'supported' in result
      ? []
      : [row([caseName, String(pair.connections), arm, ...runCells(result), ...ratio])];
  const r = pair.views_over_legacy;
  return [
    ...cells('legacy', pair.legacy, ['', '']),
    ...cells('views', pair.views, r ? [times(r.req_per_s), times(r.p50)] : ['—', '—']),
  ];
}

/** An arm the case could not run on: one row for all its concurrencies. */
function unsupportedRows(caseName: string, pairs: readonly RunPair[]): string[] {
  return (['legacy', 'views'] as const).flatMap((arm) => {
    const result = pairs[0]?.[arm];
    if (!result || !('supported' in result)) return [];
    const blank = HEADER.slice(4).map(() => '—');
    return [row([caseName, 'all', arm, `not supported: ${result.reason}`, ...blank])];
  });
}

/** Date, machine, software and dataset: the lines above the table, in the README too. */
function formatHttpBenchHeader(report: HttpBenchReport): string {
  const { dataset: d, environment: e, options: o } = report;
  const date = report.started_at.slice(0, 16).replace('T', ' ');
  return [
    `Measured ${date} UTC on ${e.platform}, ${e.cpu}, ${e.memory_gb} GB RAM (load average ${e.load_average} at the start); ` +
      `Node ${e.node}, PostgreSQL ${e.postgres}.`,
    `Dataset \`${d.database}\`: ${int(d.genes)} genes (${int(d.scored_genes)} scored), ${int(d.evidence)} evidence rows. ` +
      `One server per arm, each in its own process with a pool of ${e.pool_size}${e.redis ? ' and Redis' : ''}; ` +
      `autocannon in the CLI process. ${o.duration_s} s per run` +
      (o.warmup_s > 0 ? `, after a ${o.warmup_s} s warm-up per case and arm.` : ', no warm-up.'),
  ].join('\n');
}

/** The report as Markdown: header, the command, one table row per run (legacy, then views), notes. */
export function formatHttpBenchMarkdown(report: HttpBenchReport): string {
  const rows = report.cases.flatMap((c) => [
    ...unsupportedRows(c.name, c.runs),
    ...c.runs.flatMap((pair) => pairRows(c.name, pair)),
  ]);
  return [
    formatHttpBenchHeader(report),
    '',
    '```',
    report.command,
    '```',
    '',
    row(HEADER),
    row(HEADER.map((_, i) => (i < 3 ? '---' : '---:'))),
    ...rows,
    '',
    'c: concurrent connections. Latency is per request as autocannon saw it. Bad status: a status other than ' +
      'the case expects (200; 304 for the 304 case). Answer cache hits: the share of list reads the cache ' +
      'answered during the run, counted by the server; n/a for legacy, which caches only its list facts, so every ' +
      'legacy request runs its SQL. views/legacy: above 1 for req/s and below 1 for p50 mean the views are faster.',
    '',
  ].join('\n');
}

/**
 * `text` with the lines between README_START and README_END replaced by `section`. Throws INVALID_INPUT
 * naming what is wrong when the markers are missing, repeated or out of order. Pure.
 */
export function replaceReadmeSection(text: string, section: string, file = 'README.md'): string {
  const count = (marker: string) => text.split(marker).length - 1;
  const start = text.indexOf(README_START);
  const end = text.indexOf(README_END);
  const problem =
    count(README_START) !== 1 || count(README_END) !== 1
      ? `needs exactly one line ${README_START} and one line ${README_END} around the HTTP benchmark table ` +
        `(found ${count(README_START)} and ${count(README_END)})`
      : end < start
        ? `has ${README_END} before ${README_START}`
        : undefined;
  if (problem) throw new KgdbError('INVALID_INPUT', { parameter: '--readme', detail: `${file} ${problem}` });
  const head = text.slice(0, start + README_START.length);
  const tail = text.slice(end);
  return `${head}\n${section.trimEnd()}\n${tail}`;
}
