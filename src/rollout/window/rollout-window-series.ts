import type { Queryable } from '../../db/pool.js';
import { emptyHistogram } from './rollout-window-histogram.js';
import type { ExperimentSource } from './window-labels.js';

/** One arm in one time bucket, summed over instances. */
export interface ArmBucket {
  /** Bucket start, ms since the epoch. */
  t: number;
  arm: string;
  requests: number;
  errors: number;
  unavailable: number;
  latency: number[];
}

/** The comparisons of every experiment (mode ab) in one time bucket, summed over instances. */
export interface ComparisonBucket {
  t: number;
  match: number;
  mismatch: number;
  ignored: number;
  candidate_error: number;
  control_error: number;
  timeout: number;
}

/** Arms per bucket of `bucketSeconds` for windows starting at or after `since`. */
export async function readArmBuckets(
  db: Queryable,
  since: Date,
  bucketSeconds: number,
): Promise<ArmBucket[]> {
  const { rows } = await db.query<ArmBucket>(
    `select (floor(extract(epoch from w.window_start) / $2) * $2 * 1000)::float8 as t, w.arm,
            sum(w.requests)::float8 as requests, sum(w.errors)::float8 as errors,
            sum(w.unavailable)::float8 as unavailable, kgdb_sum_counts(w.latency)::float8[] as latency
       from kgdb_rollout_windows w
      where w.window_start >= $1
      group by 1, 2 order by 1, 2`,
    [since, bucketSeconds],
  );
  return rows.map((r) => ({ ...r, latency: r.latency.length > 0 ? r.latency : emptyHistogram() }));
}

/** A/B comparisons of one source per bucket of `bucketSeconds` for windows starting at or after `since`. */
export async function readComparisonBuckets(
  db: Queryable,
  since: Date,
  bucketSeconds: number,
  source: ExperimentSource,
): Promise<ComparisonBucket[]> {
  const { rows } = await db.query<ComparisonBucket>(
    `select (floor(extract(epoch from w.window_start) / $2) * $2 * 1000)::float8 as t,
            sum(w.match)::float8 as match, sum(w.mismatch)::float8 as mismatch, sum(w.ignored)::float8 as ignored,
            sum(w.candidate_error)::float8 as candidate_error, sum(w.control_error)::float8 as control_error,
            sum(w.timeout)::float8 as timeout
       from kgdb_experiment_windows w
      where w.window_start >= $1 and w.mode = 'ab' and w.source = $3
      group by 1 order by 1`,
    [since, bucketSeconds, source],
  );
  return rows;
}
