import murmurhash from 'murmurhash';

/** Number of buckets: 0.001 % granularity. */
export const BUCKETS = 100_000;

/**
 * The caller's bucket for one flag: murmur3_x86_32 (seed 0, UTF-8 bytes) of `key:salt:stickinessKey`, mod
 * 100,000. murmur3 is what Unleash and most flag services use; the `murmurhash` package is the reference
 * algorithm in plain JS with no native build. The modulo bias (2^32 is not a multiple of 10^5) is 2.3e-5
 * relative, far below the 0.001 % granularity.
 */
export function bucketFor(flag: { key: string; salt: string }, stickinessKey: string): number {
  return murmurhash.v3(`${flag.key}:${flag.salt}:${stickinessKey}`, 0) % BUCKETS;
}

/** Buckets below this are in: 12.345 % → 12,345 buckets. Rounded because 12.345 × 1000 is 12344.999… */
export function bucketThreshold(percentage: number): number {
  return Math.round(percentage * (BUCKETS / 100));
}

/** In when the bucket lies below the threshold, so a higher percentage keeps everyone a lower one had. */
export function inRollout(bucket: number, percentage: number): boolean {
  return bucket < bucketThreshold(percentage);
}
