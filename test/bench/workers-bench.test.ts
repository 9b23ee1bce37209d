import { describe, expect, it } from 'vitest';
import {
  type BenchReport,
  type CaseRun,
  cacheCountsOf,
  formatReport,
  parseBenchArgs,
} from '../../bench/workers-bench.js';

describe('bench/workers-bench.ts options', () => {
  it('defaults: 1–4 workers on the default demo size; --short is seconds; a flag given wins', () => {
    expect(parseBenchArgs([])).toEqual({
      workers: [1, 2, 3, 4],
      genes: 5000,
      evidence: 25_000,
      connections: 32,
      durationSeconds: 10,
      warmupSeconds: 3,
      rounds: 1,
      json: undefined,
    });
    expect(parseBenchArgs(['--short'])).toMatchObject({ workers: [1, 2], genes: 200, durationSeconds: 1 });
    expect(parseBenchArgs(['--short', '--workers', '1,3', '--genes', '300'])).toMatchObject({
      workers: [1, 3],
      genes: 300,
      evidence: 1500,
    });
  });

  it('refuses what it cannot run, naming the flag and the range', () => {
    expect(() => parseBenchArgs(['--workers', '0,2'])).toThrow(
      "--workers must be a whole number from 1 to 64, got '0'",
    );
    expect(() => parseBenchArgs(['--workers', '2,2'])).toThrow("--workers: a count is repeated in '2,2'");
    expect(() => parseBenchArgs(['--genes', '100', '--evidence', '701'])).toThrow(
      "--evidence must be a whole number from 0 to 700, got '701'",
    );
    expect(() => parseBenchArgs(['--duration', '1.5'])).toThrow(
      "--duration must be a whole number from 1 to 600, got '1.5'",
    );
    expect(() => parseBenchArgs(['--threads', '2'])).toThrow(/Unknown option '--threads'/);
  });
});

describe('bench/workers-bench.ts reading and reporting', () => {
  it('sums a worker’s cache hits over the layers, per namespace, beside its misses', () => {
    const page = [
      '# HELP kgdb_cache_hits_total …',
      'kgdb_cache_hits_total{namespace="gene_list",layer="memory"} 90',
      'kgdb_cache_hits_total{namespace="gene_list",layer="inflight"} 3',
      'kgdb_cache_misses_total{namespace="gene_list"} 7',
      'kgdb_cache_misses_total{namespace="gene_detail"} 2',
      'kgdb_cache_stale_reads_total{namespace="gene_list"} 1',
    ].join('\n');
    expect(cacheCountsOf(page)).toEqual({
      gene_list: { hits: 93, misses: 7 },
      gene_detail: { hits: 0, misses: 2 },
    });
  });

  it('one row per case, one column per worker count with its ratio to the first, means over rounds', () => {
    const run = (
      c: CaseRun['case'],
      workers: number,
      round: number,
      rps: number,
      hits: number,
      misses: number,
    ) =>
      ({
        case: c,
        workers,
        round,
        responses: rps,
        duration_s: 1,
        req_per_s: rps,
        latency_ms: { p50: 1, p99: 4 },
        non2xx: 0,
        errors: 0,
        loadgen_cpu_pct: 40,
        server: { hits, misses, hit_ratio: null },
      }) satisfies CaseRun;
    const report: BenchReport = {
      command: 'npx tsx bench/workers-bench.ts --workers 1,2',
      started_at: '2026-12-02T10:40:00.000Z',
      machine: { cpus: 2, cpu: 'AMD EPYC', load_average: 0.5, node: 'v20.20.2' },
      dataset: { genes: 5000, evidence: 25_000, database: 'kgdb_bench_5000_25000_42' },
      options: {
        workers: [1, 2],
        genes: 5000,
        evidence: 25_000,
        connections: 32,
        durationSeconds: 10,
        warmupSeconds: 3,
        rounds: 2,
      },
      runs: [
        run('list-hit', 1, 0, 1000, 999, 1),
        run('list-hit', 1, 1, 1200, 1199, 1),
        run('list-hit', 2, 0, 1650, 1648, 2),
        run('list-hit', 2, 1, 1650, 1648, 2),
        run('list-miss', 1, 0, 300, 0, 300),
        run('list-miss', 2, 0, 450, 0, 450),
      ],
    };
    const md = formatReport(report);
    expect(md).toContain('| case | server cache hits | 1 worker | 2 workers |');
    expect(md).toContain('| list-hit | 99.9 % | 1,100 req/s (1.00×) | 1,650 req/s (1.50×) |');
    expect(md).toContain('| list-miss | 0.0 % | 300 req/s (1.00×) | 450 req/s (1.50×) |');
    expect(md).toContain('| list-hit | 1.0 / 4.0 ms, load gen 40 % | 1.0 / 4.0 ms, load gen 40 % |');
    // Cases a report has no runs of are left out.
    expect(md).not.toContain('| detail-');
    expect(md).toContain('The load generator (autocannon, one process) runs on the same machine');
    expect(md).toContain('Non-2xx responses and errors: 0.');
  });
});
