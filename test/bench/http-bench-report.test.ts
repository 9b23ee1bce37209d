import { describe, expect, it } from 'vitest';
import { countsBetween, type HttpBenchReport, type RunResult } from '../../src/bench/http-bench.js';
import {
  formatHttpBenchMarkdown,
  README_END,
  README_START,
  replaceReadmeSection,
} from '../../src/bench/http-bench-report.js';
import { KgdbError } from '../../src/errors.js';

function run(overrides: Partial<RunResult> & { hit_ratio?: number | null }): RunResult {
  const { hit_ratio = null, ...rest } = overrides;
  return {
    connections: 10,
    responses: 1000,
    duration_s: 10,
    req_per_s: 100,
    latency_ms: { p50: 9.5, p90: 12.25, p99: 150.4, max: 210 },
    errors: 0,
    timeouts: 0,
    unexpected_status: 0,
    status_codes: { 200: 1000 },
    bytes_per_s: 2_500_000,
    cache: { answer_namespace: hit_ratio === null ? null : 'gene_list', hit_ratio, namespaces: {} },
    ...rest,
  };
}

const report: HttpBenchReport = {
  started_at: '2026-12-02T10:40:00.000Z',
  command: 'npx kgdb bench --http --genes 20000 --evidence 57000 --seed 42 --connections 10 --duration 10',
  dataset: { genes: 20000, evidence: 57000, scored_genes: 19000, database: 'kgdb_bench_20000_57000_42' },
  environment: {
    node: 'v20.20.2',
    postgres: '17.10',
    platform: 'linux x64',
    cpu: '2 × AMD EPYC',
    memory_gb: 24,
    load_average: 0.5,
    pool_size: 10,
    redis: false,
  },
  options: { connections: [10], duration_s: 10, warmup_s: 2 },
  cases: [
    {
      name: 'one-url',
      description: 'GET /api/genes/ every request',
      expected_status: 200,
      runs: [
        {
          connections: 10,
          first: 'legacy',
          legacy: run({}),
          views: run({
            req_per_s: 4567.8,
            latency_ms: { p50: 1.9, p90: 3, p99: 8.123, max: 40 },
            bytes_per_s: 45_000_000,
            hit_ratio: 1,
          }),
          views_over_legacy: { req_per_s: 45.7, p50: 0.0042 },
        },
      ],
    },
    {
      name: 'unique-url',
      description: 'GET /api/genes/ with sort, page size, page and filter[min_score] new on every request',
      expected_status: 200,
      runs: [
        {
          connections: 1,
          first: 'views',
          legacy: run({ connections: 1, responses: 0, req_per_s: 0, latency_ms: null, bytes_per_s: 0 }),
          views: run({ connections: 1, hit_ratio: 0 }),
          views_over_legacy: null,
        },
      ],
    },
    {
      name: '304',
      description: 'GET /api/genes/ with If-None-Match: its ETag',
      expected_status: 304,
      runs: [
        {
          connections: 10,
          first: 'views',
          legacy: { supported: false, reason: 'GET /api/genes/ sends no ETag' },
          views: { supported: false, reason: 'GET /api/genes/ sends no ETag' },
          views_over_legacy: null,
        },
      ],
    },
  ],
};

describe('HTTP benchmark report', () => {
  it('prints header, command and one Markdown row per run, ratios on the views row', () => {
    const md = formatHttpBenchMarkdown(report);
    expect(md).toContain(
      'Measured 2026-12-02 10:40 UTC on linux x64, 2 × AMD EPYC, 24 GB RAM (load average 0.5 at the start); Node v20.20.2, PostgreSQL 17.10.',
    );
    expect(md).toContain(
      'Dataset `kgdb_bench_20000_57000_42`: 20,000 genes (19,000 scored), 57,000 evidence rows.',
    );
    expect(md).toContain('10 s per run, after a 2 s warm-up per case and arm.');
    expect(md).toContain(`\`\`\`\n${report.command}\n\`\`\``);
    expect(md).toContain(
      '| one-url | 10 | legacy | 100 | 9.50 | 12.3 | 150 | 210 | 0 / 0 / 0 | 2.50 | n/a |  |  |',
    );
    expect(md).toContain(
      '| one-url | 10 | views | 4,568 | 1.90 | 3.00 | 8.12 | 40.0 | 0 / 0 / 0 | 45.00 | 100.00 % | 45.7× | 0.0042× |',
    );
    // A run no response came back in: no latency, no ratio.
    expect(md).toContain('| unique-url | 1 | legacy | 0 | — | — | — | — | 0 / 0 / 0 | 0.00 | n/a |  |  |');
    expect(md).toContain(
      '| unique-url | 1 | views | 100 | 9.50 | 12.3 | 150 | 210 | 0 / 0 / 0 | 2.50 | 0.00 % | — | — |',
    );
    expect(md).toContain('| 304 | all | legacy | not supported: GET /api/genes/ sends no ETag | — |');
    expect(md).toContain('| 304 | all | views | not supported: GET /api/genes/ sends no ETag | — |');
    // Every row has as many cells as the header.
    const cells = (line: string) => line.split(' | ').length;
    const rows = md.split('\n').filter((line) => line.startsWith('| '));
    expect(new Set(rows.map(cells))).toEqual(new Set([cells(rows[0] ?? '')]));
  });

  it('counts what moved between two readings of the cache counters', () => {
    const before = {
      gene_list: { hits: 5, misses: 1, bypassed: 0 },
      gene_detail: { hits: 2, misses: 2, bypassed: 0 },
    };
    const after = {
      gene_list: { hits: 105, misses: 1, bypassed: 0 },
      gene_detail: { hits: 2, misses: 2, bypassed: 0 },
      gene_list_facts: { hits: 0, misses: 1, bypassed: 0 },
    };
    expect(countsBetween(before, after)).toEqual({
      gene_list: { hits: 100, misses: 0, bypassed: 0 },
      gene_list_facts: { hits: 0, misses: 1, bypassed: 0 },
    });
  });
});

describe('README section', () => {
  const readme = `# x\n\nintro\n${README_START}\nold table\n${README_END}\n\nafter\n`;

  it('replaces only the lines between the markers, keeping them', () => {
    expect(replaceReadmeSection(readme, 'new table\n')).toBe(
      `# x\n\nintro\n${README_START}\nnew table\n${README_END}\n\nafter\n`,
    );
    // Idempotent: the same section twice gives the same file.
    const once = replaceReadmeSection(readme, 'new table');
    expect(replaceReadmeSection(once, 'new table')).toBe(once);
  });

  it('missing, repeated or swapped markers are a clear error naming the file', () => {
    const fails = (text: string) => {
      try {
        replaceReadmeSection(text, 'table', 'docs/X.md');
      } catch (err) {
        expect(err).toBeInstanceOf(KgdbError);
        expect((err as KgdbError).parameter).toBe('--readme');
        return (err as Error).message;
      }
      throw new Error('no error');
    };
    expect(fails('# no markers\n')).toBe(
      `docs/X.md needs exactly one line ${README_START} and one line ${README_END} around the HTTP benchmark table (found 0 and 0)`,
    );
    expect(fails(`${README_START}\n`)).toContain('(found 1 and 0)');
    expect(fails(`${readme}${README_END}\n`)).toContain('(found 1 and 2)');
    expect(fails(`${README_END}\n${README_START}\n`)).toBe(
      `docs/X.md has ${README_END} before ${README_START}`,
    );
  });
});
