import { describe, expect, it } from 'vitest';
import { bucketStarts, evidenceSeries } from '../../src/console/console-series.js';
import { emptyHistogram, observe, quantile } from '../../src/rollout/window/rollout-window-histogram.js';

const at = (iso: string) => new Date(iso);
const ms = (iso: string) => Date.parse(iso);

function histogram(...durations: number[]): number[] {
  const h = emptyHistogram();
  for (const d of durations) observe(h, d);
  return h;
}

describe('bucketStarts', () => {
  it('covers the range on bucket boundaries, the partial first and last buckets included', () => {
    expect(bucketStarts(at('2026-01-01T00:00:07Z'), at('2026-01-01T00:00:31Z'), 10)).toEqual([
      ms('2026-01-01T00:00:00Z'),
      ms('2026-01-01T00:00:10Z'),
      ms('2026-01-01T00:00:20Z'),
      ms('2026-01-01T00:00:30Z'),
    ]);
  });
});

describe('evidenceSeries', () => {
  const from = at('2026-01-01T00:00:00Z');
  const to = at('2026-01-01T00:00:25Z');

  it('lays every arm on one axis: zero requests and null latencies where an arm served nothing', () => {
    const s = evidenceSeries({
      arms: ['legacy', 'views'],
      armBuckets: [
        {
          t: ms('2026-01-01T00:00:10Z'),
          arm: 'legacy',
          requests: 20,
          errors: 1,
          unavailable: 3,
          latency: histogram(...Array.from({ length: 20 }, () => 5)),
        },
      ],
      comparisons: [],
      from,
      to,
      bucketSeconds: 10,
    });
    expect(s.t).toEqual([1767225600, 1767225610, 1767225620]);
    expect(s.arms.legacy?.requests_per_s).toEqual([0, 2, 0]);
    // Database unavailability is counted apart from errors, as the guard and /api/admin/metrics/views do.
    expect(s.arms.legacy?.error_rate).toEqual([null, 0.05, null]);
    // The histogram's own quantiles (interpolated within the 5 ms bucket), to the microsecond.
    const h = histogram(...Array.from({ length: 20 }, () => 5));
    expect(s.arms.legacy?.p50_ms[1]).toBe(Number(quantile(h, 0.5)?.toFixed(3)));
    expect(s.arms.legacy?.p99_ms[1]).toBe(Number(quantile(h, 0.99)?.toFixed(3)));
    expect(s.arms.legacy?.p50_ms[1]).toBeGreaterThan(4.5);
    expect(s.arms.legacy?.p99_ms[1]).toBeLessThanOrEqual(5);
    expect(s.arms.legacy?.p50_ms[0]).toBeNull();
    expect(s.arms.views).toEqual({
      requests_per_s: [0, 0, 0],
      p50_ms: [null, null, null],
      p99_ms: [null, null, null],
      error_rate: [null, null, null],
    });
  });

  it('adds an arm that served although not listed, and ignores buckets outside the range', () => {
    const s = evidenceSeries({
      arms: ['legacy'],
      armBuckets: [
        {
          t: ms('2026-01-01T00:00:20Z'),
          arm: 'other',
          requests: 10,
          errors: 0,
          unavailable: 0,
          latency: histogram(1),
        },
        {
          t: ms('2025-12-31T23:59:50Z'),
          arm: 'legacy',
          requests: 99,
          errors: 0,
          unavailable: 0,
          latency: histogram(1),
        },
      ],
      comparisons: [],
      from,
      to,
      bucketSeconds: 10,
    });
    expect(Object.keys(s.arms)).toEqual(['legacy', 'other']);
    expect(s.arms.other?.requests_per_s).toEqual([0, 0, 1]);
    expect(s.arms.legacy?.requests_per_s).toEqual([0, 0, 0]);
  });

  it('counts declared differences as agreeing in the match rate; errors and timeouts are not compared', () => {
    const s = evidenceSeries({
      arms: [],
      armBuckets: [],
      comparisons: [
        {
          t: ms('2026-01-01T00:00:00Z'),
          match: 6,
          mismatch: 2,
          ignored: 2,
          candidate_error: 5,
          control_error: 1,
          timeout: 4,
        },
      ],
      from,
      to,
      bucketSeconds: 10,
    });
    expect(s.match_rate).toEqual([0.8, null, null]);
    expect(s.compared).toEqual([10, 0, 0]);
  });
});
