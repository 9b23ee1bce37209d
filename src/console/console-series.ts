import { quantile, totalCount } from '../rollout/window/rollout-window-histogram.js';
import type { ArmBucket, ComparisonBucket } from '../rollout/window/rollout-window-series.js';

/** One arm's charts: one value per bucket of the common time axis; null where the arm served nothing. */
interface ArmSeries {
  requests_per_s: number[];
  p50_ms: (number | null)[];
  p99_ms: (number | null)[];
  /** Responses ≥ 500 other than database unavailability, per request (as /api/admin/metrics/views counts). */
  error_rate: (number | null)[];
}

export interface EvidenceSeries {
  /** Bucket starts, seconds since the epoch (uPlot's x axis), oldest first, every bucket of the range. */
  t: number[];
  bucket_seconds: number;
  arms: Record<string, ArmSeries>;
  /** Shadow comparisons of all experiments per bucket: (match + declared) / compared; null when none. */
  match_rate: (number | null)[];
  compared: number[];
}

const round = (v: number, digits: number) => Number(v.toFixed(digits));
const roundOrNull = (v: number | null) => (v === null ? null : round(v, 3));

/** Every bucket start in [from, to], aligned on the bucket length (ms since the epoch). */
export function bucketStarts(from: Date, to: Date, bucketSeconds: number): number[] {
  const step = bucketSeconds * 1000;
  const out: number[] = [];
  for (let t = Math.floor(from.getTime() / step) * step; t <= to.getTime(); t += step) out.push(t);
  return out;
}

/**
 * Pure: the buckets the database summed, laid on one time axis so that every arm (always the listed ones,
 * plus any other that served) and the match rate share it; a missing bucket is zero requests, not a gap in time.
 */
export function evidenceSeries(input: {
  arms: readonly string[];
  armBuckets: readonly ArmBucket[];
  comparisons: readonly ComparisonBucket[];
  from: Date;
  to: Date;
  bucketSeconds: number;
}): EvidenceSeries {
  const starts = bucketStarts(input.from, input.to, input.bucketSeconds);
  const index = new Map(starts.map((t, i) => [t, i]));
  const names = [...new Set([...input.arms, ...input.armBuckets.map((b) => b.arm)])];
  const arms: Record<string, ArmSeries> = {};
  for (const name of names) {
    arms[name] = {
      requests_per_s: starts.map(() => 0),
      p50_ms: starts.map(() => null),
      p99_ms: starts.map(() => null),
      error_rate: starts.map(() => null),
    };
  }
  for (const b of input.armBuckets) {
    const i = index.get(b.t);
    const series = arms[b.arm];
    if (i === undefined || !series) continue;
    series.requests_per_s[i] = round(b.requests / input.bucketSeconds, 3);
    if (b.requests > 0) series.error_rate[i] = round(b.errors / b.requests, 6);
    if (totalCount(b.latency) > 0) {
      series.p50_ms[i] = roundOrNull(quantile(b.latency, 0.5));
      series.p99_ms[i] = roundOrNull(quantile(b.latency, 0.99));
    }
  }
  const matchRate: (number | null)[] = starts.map(() => null);
  const compared = starts.map(() => 0);
  for (const c of input.comparisons) {
    const i = index.get(c.t);
    if (i === undefined) continue;
    const n = c.match + c.mismatch + c.ignored;
    compared[i] = n;
    matchRate[i] = n > 0 ? round((c.match + c.ignored) / n, 6) : null;
  }
  return {
    t: starts.map((t) => t / 1000),
    bucket_seconds: input.bucketSeconds,
    arms,
    match_rate: matchRate,
    compared,
  };
}
