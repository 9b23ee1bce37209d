import { describe, expect, it } from 'vitest';
import {
  armStats,
  type BenchReport,
  formatBenchTable,
  geneBenchCases,
  percentile,
} from '../../src/bench/genes-bench.js';

describe('gene benchmark helpers', () => {
  it('percentile is nearest-rank; stats give median and p99', () => {
    const xs = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(xs, 99)).toBe(99);
    expect(percentile(xs, 50)).toBe(50);
    expect(percentile([5], 99)).toBe(5);
    expect(armStats([3, 1, 2, 10])).toEqual({
      median_ms: 2.5,
      p99_ms: 10,
      mean_ms: 4,
      min_ms: 1,
      max_ms: 10,
      samples: 4,
    });
  });

  it('covers the benchmark cases: page sizes 10, 20, 100, 1000 (repository), a search, each filter, every sort both ways', () => {
    const cases = geneBenchCases('pkd');
    expect(cases.map((c) => c.name)).toContain('page size 1000 (repository)');
    expect(cases.filter((c) => c.name.startsWith('sort '))).toHaveLength(18);
    const filters = cases.filter((c) => c.name.startsWith('filter '));
    expect(filters.map((c) => c.kind === 'route' && new URL(c.url, 'http://x').searchParams.size)).toEqual(
      Array(8).fill(1),
    );
    const repo = cases.find((c) => c.kind === 'repository');
    expect(repo?.kind === 'repository' && repo.query.size).toBe(1000);
  });

  it('prints a table with the speed-up and the legacy arm over its statements sent directly', () => {
    const stats = armStats([1, 2, 3]);
    const report: BenchReport = {
      started_at: '2025-01-01T00:00:00.000Z',
      dataset: { genes: 10, evidence: 20, scored_genes: 9, database: 'x' },
      environment: { node: 'v20', postgres: '17', platform: 'linux' },
      options: { iterations: 3, warmup: 1 },
      cases: [
        {
          name: 'page size 10',
          kind: 'route',
          request: '/api/genes/',
          legacy: armStats([100, 200, 300]),
          views: stats,
          speedup: 100,
          legacy_db: armStats([90, 180, 270]),
          direct: armStats([80, 150, 200]),
          legacy_vs_direct: 1.2,
          identical: true,
        },
      ],
    };
    expect(formatBenchTable(report)).toContain(
      'page size 10            200            300          2.00          3.00      100×           180        150       1.20   yes',
    );
    expect(formatBenchTable(report)).toContain('views (uncached) over legacy: median 100× (100× … 100×)\n');
    expect(formatBenchTable(report)).toContain(
      'legacy database time over its statements sent directly: median 1.20 (1.20 … 1.20)',
    );
  });
});
