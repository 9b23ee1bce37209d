import murmurhash from 'murmurhash';
import { describe, expect, it } from 'vitest';
import { BUCKETS, bucketFor, bucketThreshold, inRollout } from '../../src/rollout/flags/bucketing.js';

const N = 1_000_000;
const ids = Array.from({ length: N }, (_, i) => `user:${i}`);
const flagA = { key: 'use_database_views', salt: '' };
const flagB = { key: 'enable_shadow_testing', salt: '' };
const bucketsA = Int32Array.from(ids, (id) => bucketFor(flagA, id));
const bucketsB = Int32Array.from(ids, (id) => bucketFor(flagB, id));

const shareIn = (buckets: Int32Array, percentage: number) => {
  let n = 0;
  for (const b of buckets) if (inRollout(b, percentage)) n++;
  return (n / buckets.length) * 100;
};

describe('murmur3 buckets per flag', () => {
  it('hashes `key:salt:stickinessKey` with reference murmur3_x86_32 into 100,000 buckets', () => {
    // Reference vectors of murmur3_x86_32 with seed 0 (SMHasher): the package is the real algorithm.
    expect(murmurhash.v3('hello', 0)).toBe(0x248bfa47);
    expect(murmurhash.v3('The quick brown fox jumps over the lazy dog', 0)).toBe(0x2e4ff723);
    expect(bucketFor({ key: 'f', salt: 's' }, 'user:7')).toBe(murmurhash.v3('f:s:user:7', 0) % BUCKETS);
    for (const b of bucketsA.subarray(0, 1000)) expect(b >= 0 && b < BUCKETS).toBe(true);
  });

  it('a different salt reshuffles the buckets', () => {
    const salted = ids
      .slice(0, 1000)
      .filter((id, i) => bucketFor({ ...flagA, salt: 'x' }, id) !== bucketsA[i]);
    expect(salted.length).toBeGreaterThan(990);
  });

  it('threshold is percentage × 1000, exact at 3 decimals', () => {
    expect(bucketThreshold(12.345)).toBe(12_345);
    expect(bucketThreshold(0.001)).toBe(1);
    expect(bucketThreshold(100)).toBe(BUCKETS);
    expect(inRollout(0, 0)).toBe(false);
    expect(inRollout(BUCKETS - 1, 100)).toBe(true);
  });

  it('raising the percentage never drops anyone (10^6 ids, 0 → 100 in uneven steps)', () => {
    const ladder = [0, 0.001, 0.1, 0.5, 1, 2.5, 10, 10.001, 25, 33.333, 50, 75, 99.999, 100];
    let dropped = 0;
    for (const [i, b] of bucketsA.entries()) {
      let wasIn = false;
      for (const p of ladder) {
        const isIn = inRollout(b, p);
        if (wasIn && !isIn) dropped++;
        wasIn = isIn;
      }
      if (i === N - 1) expect(wasIn).toBe(true);
    }
    expect(dropped).toBe(0);
  });

  it.each([0.1, 1, 10, 50])('observed share at %s %% is within ±0.1 percentage points (10^6 ids)', (p) => {
    expect(Math.abs(shareIn(bucketsA, p) - p)).toBeLessThan(0.1);
    expect(Math.abs(shareIn(bucketsB, p) - p)).toBeLessThan(0.1);
  });

  it.each([
    [50, 50],
    [10, 10],
    [50, 10],
  ])('two flags are independent: in both at %s %% and %s %% ≈ the product', (pa, pb) => {
    let both = 0;
    for (let i = 0; i < N; i++) {
      if (inRollout(bucketsA[i] ?? 0, pa) && inRollout(bucketsB[i] ?? 0, pb)) both++;
    }
    const expected = (pa / 100) * (pb / 100) * 100;
    expect(Math.abs((both / N) * 100 - expected)).toBeLessThan(0.1);
  });
});
