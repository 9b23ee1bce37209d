/**
 * Latency histograms that merge by adding: fixed bucket bounds shared by every instance, so the guard sums the
 * arrays of all instances and windows and reads p50/p99 off the sum. 22 bounds per decade (1, 1.1 … 8, 9)
 * from 0.1 ms to 60 s: neighbouring bounds are at most 14 % apart, fine enough for the 1.2× latency rule of
 * validate-migration, and 200 ms is a bound, so "p99 > 200 ms" is exact, not estimated.
 */

const MANTISSAS = [
  1, 1.1, 1.2, 1.3, 1.4, 1.5, 1.6, 1.8, 2, 2.2, 2.5, 2.8, 3.2, 3.5, 4, 4.5, 5, 5.6, 6.3, 7.1, 8, 9,
] as const;

function bounds(): number[] {
  const out: number[] = [];
  for (let exp = -1; exp <= 4; exp++) {
    for (const m of MANTISSAS) out.push(Number((m * 10 ** exp).toPrecision(3)));
  }
  return out.filter((ms) => ms <= 60_000);
}

/** Upper bounds in ms (inclusive); one more bucket, +Inf, follows the last. */
export const LATENCY_BOUNDS_MS: readonly number[] = Object.freeze(bounds());

/** Number of counts in a histogram array: one per bound plus the +Inf bucket. */
const LATENCY_BUCKETS = LATENCY_BOUNDS_MS.length + 1;

export function emptyHistogram(): number[] {
  return new Array<number>(LATENCY_BUCKETS).fill(0);
}

/** The bucket a duration falls in: the first bound ≥ ms (binary search), else +Inf. */
function bucketIndex(ms: number): number {
  let lo = 0;
  let hi = LATENCY_BOUNDS_MS.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((LATENCY_BOUNDS_MS[mid] as number) >= ms) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

export function observe(histogram: number[], ms: number): void {
  const i = bucketIndex(Number.isFinite(ms) && ms > 0 ? ms : 0);
  histogram[i] = (histogram[i] ?? 0) + 1;
}

/** Adds b into a (arrays from older code with fewer buckets are padded with zeros). */
export function addInto(a: number[], b: readonly number[]): number[] {
  for (let i = 0; i < Math.max(a.length, b.length); i++) a[i] = (a[i] ?? 0) + (b[i] ?? 0);
  return a;
}

export function mergeHistograms(histograms: readonly (readonly number[])[]): number[] {
  return histograms.reduce<number[]>((sum, h) => addInto(sum, h), emptyHistogram());
}

export function totalCount(histogram: readonly number[]): number {
  return histogram.reduce((sum, n) => sum + n, 0);
}

/** How many observations exceeded `ms` (exact when ms is a bound, as 200 is). */
export function countAbove(histogram: readonly number[], ms: number): number {
  const last = bucketIndex(ms);
  const exact = LATENCY_BOUNDS_MS[last] === ms;
  let n = 0;
  for (let i = exact ? last + 1 : last; i < histogram.length; i++) n += histogram[i] ?? 0;
  return n;
}

/**
 * The q-quantile (0 < q ≤ 1) in ms, null for an empty histogram. The rank is ceil(q × n); inside its bucket
 * the value is interpolated linearly and always lies above the bucket's lower bound, so "p99 > 200" agrees with
 * countAbove(h, 200) > n − rank. The +Inf bucket reports the last bound (60 s).
 */
export function quantile(histogram: readonly number[], q: number): number | null {
  const n = totalCount(histogram);
  if (n === 0) return null;
  const rank = Math.max(1, Math.ceil(q * n));
  let before = 0;
  for (let i = 0; i < histogram.length; i++) {
    const count = histogram[i] ?? 0;
    if (count > 0 && before + count >= rank) {
      const lower = i === 0 ? 0 : (LATENCY_BOUNDS_MS[i - 1] as number);
      const upper = LATENCY_BOUNDS_MS[i];
      if (upper === undefined) return lower;
      return lower + ((upper - lower) * (rank - before)) / count;
    }
    before += count;
  }
  return LATENCY_BOUNDS_MS[LATENCY_BOUNDS_MS.length - 1] ?? null;
}
