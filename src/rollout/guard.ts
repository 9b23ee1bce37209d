import { OUTCOMES, type Outcome } from './experiment-types.js';
import { mergeHistograms, quantile, totalCount } from './rollout-window-histogram.js';

/**
 * The guard's rule (DESIGN §6, issue 5 item 5), pure: window numbers, thresholds and `now` in, a verdict out.
 * The guarded path is the one the flag turns on (the views): every execution of it counts, whether it served a
 * request (the 'views' arm) or ran as the candidate of a live comparison (a shadow on the legacy arm, a
 * verification on the views arm). Declared differences agree: they are reported, never counted as mismatches.
 */
export interface GuardThresholds {
  /** Roll back above this share of failed views-path executions (5xx served + candidate errors + timeouts). Default 0.01. */
  maxErrorRate: number;
  /** Roll back when the p99 of views-path durations exceeds this (ms). Default 200. */
  maxP99Ms: number;
  /** Roll back above this share of mismatching shadow comparisons, net of A/A noise. Default 0.05. */
  maxMismatchRate: number;
  /** Fewer views-path executions than this in the window: inconclusive, hold (never promote on no data). Default 100. */
  minSamples: number;
  /** The mismatch rule applies only with at least this many compared shadow runs. Default 50. */
  minShadowSamples: number;
  /** A/A noise is subtracted only when measured on at least this many A/A comparisons. Default 50. */
  minAaSamples: number;
}

export const DEFAULT_GUARD_THRESHOLDS: Readonly<GuardThresholds> = Object.freeze({
  maxErrorRate: 0.01,
  maxP99Ms: 200,
  maxMismatchRate: 0.05,
  minSamples: 100,
  minShadowSamples: 50,
  minAaSamples: 50,
});

/** The last ~60 s of all instances, for the guarded arm and experiments. */
export interface WindowStats {
  from: Date;
  to: Date;
  instances: number;
  /** Requests the guarded arm served: count, responses ≥ 500, latency histogram (rollout-window-histogram). */
  served: { requests: number; errors: number; latency: readonly number[] };
  /**
   * Live comparisons (mode ab: shadows and verifications) of the guarded experiments: outcome counts, the
   * ignored ones per declared rule, and candidate durations. Admin runs are not evidence and never appear here.
   */
  shadow: {
    counts: Readonly<Record<Outcome, number>>;
    ignoredByRule: Readonly<Record<string, number>>;
    candidateLatency: readonly number[];
  };
  /** A/A comparisons of the same experiments (the noise floor); null when none ran. */
  aa: { compared: number; mismatch: number } | null;
}

/** The guarded flag as the snapshot holds it, plus the loop's memory of health. */
export interface RolloutState {
  /** Enabled and split (percentage or gradual): the only state a guard acts on. */
  rolling: boolean;
  percentage: number;
  step: number | null;
  atLastStep: boolean;
  autoPromote: boolean;
  bakeMs: number;
  /** When the flag last changed: a step's bake time starts no earlier. */
  changedAt: Date;
  /** Since when every verdict has been healthy (null: the last one was not, or this is the first). */
  healthySince: Date | null;
}

/** The numbers a verdict is based on; a rollback event carries them as `measured`. */
export interface Measured {
  window_from: string;
  window_to: string;
  instances: number;
  percentage: number;
  step: number | null;
  samples: number;
  served_requests: number;
  served_errors: number;
  shadow_runs: number;
  candidate_errors: number;
  timeouts: number;
  error_rate: number | null;
  p50_ms: number | null;
  p99_ms: number | null;
  compared: number;
  mismatches: number;
  /** Compared runs whose every difference a declared rule explained: agreeing, reported apart. */
  declared_differences: number;
  declared_by_rule: Record<string, number>;
  /** mismatches / compared: declared differences are in the denominator, never in the numerator. */
  mismatch_rate: number | null;
  aa_mismatch_rate: number | null;
  net_mismatch_rate: number | null;
}

export const HOLD_REASONS = [
  'too_few_samples',
  'not_rolling',
  'unhealthy_at_zero',
  'last_step',
  'auto_promote_off',
  'baking',
] as const;
export type HoldReason = (typeof HOLD_REASONS)[number];

export type Verdict =
  | { kind: 'rollback'; reasons: string[]; measured: Measured }
  | {
      kind: 'hold';
      why: HoldReason;
      healthy: boolean;
      reasons: string[];
      remainingMs?: number;
      measured: Measured;
    }
  | { kind: 'advance'; measured: Measured };

const rate = (part: number, whole: number) => (whole > 0 ? part / whole : null);
const pct = (r: number) => `${(r * 100).toFixed(2)} %`;

export function measure(stats: WindowStats, rollout: RolloutState, t: GuardThresholds): Measured {
  const c = stats.shadow.counts;
  const shadowRuns = c.match + c.mismatch + c.ignored + c.candidate_error + c.timeout;
  const samples = stats.served.requests + shadowRuns;
  const latency = mergeHistograms([stats.served.latency, stats.shadow.candidateLatency]);
  const compared = c.match + c.mismatch + c.ignored;
  const mismatchRate = rate(c.mismatch, compared);
  const aaRate =
    stats.aa && stats.aa.compared >= t.minAaSamples ? rate(stats.aa.mismatch, stats.aa.compared) : null;
  return {
    window_from: stats.from.toISOString(),
    window_to: stats.to.toISOString(),
    instances: stats.instances,
    percentage: rollout.percentage,
    step: rollout.step,
    samples,
    served_requests: stats.served.requests,
    served_errors: stats.served.errors,
    shadow_runs: shadowRuns,
    candidate_errors: c.candidate_error,
    timeouts: c.timeout,
    error_rate: rate(stats.served.errors + c.candidate_error + c.timeout, samples),
    p50_ms: totalCount(latency) > 0 ? quantile(latency, 0.5) : null,
    p99_ms: totalCount(latency) > 0 ? quantile(latency, 0.99) : null,
    compared,
    mismatches: c.mismatch,
    declared_differences: c.ignored,
    declared_by_rule: { ...stats.shadow.ignoredByRule },
    mismatch_rate: mismatchRate,
    aa_mismatch_rate: aaRate,
    net_mismatch_rate: mismatchRate === null ? null : Math.max(0, mismatchRate - (aaRate ?? 0)),
  };
}

/** Each threshold the window breaches, as a readable reason with the measured value. */
export function breaches(m: Measured, t: GuardThresholds): string[] {
  const out: string[] = [];
  if (m.error_rate !== null && m.error_rate > t.maxErrorRate) {
    out.push(
      `error rate ${pct(m.error_rate)} > ${pct(t.maxErrorRate)} (${m.served_errors + m.candidate_errors + m.timeouts} of ${m.samples})`,
    );
  }
  if (m.p99_ms !== null && m.p99_ms > t.maxP99Ms) {
    out.push(`p99 ${m.p99_ms.toFixed(1)} ms > ${t.maxP99Ms} ms`);
  }
  if (
    m.net_mismatch_rate !== null &&
    m.compared >= t.minShadowSamples &&
    m.net_mismatch_rate > t.maxMismatchRate
  ) {
    const noise = m.aa_mismatch_rate === null ? '' : ` net of A/A noise ${pct(m.aa_mismatch_rate)}`;
    out.push(
      `mismatch rate ${pct(m.net_mismatch_rate)}${noise} > ${pct(t.maxMismatchRate)} (${m.mismatches} of ${m.compared})`,
    );
  }
  return out;
}

/**
 * Rollback on any breach while someone is exposed; hold when there is too little data, nothing to act on, or
 * the step has not been healthy for its whole bake time; advance one step once it has (and auto-promotion
 * is on).
 */
export function guardVerdict(
  input: { stats: WindowStats; rollout: RolloutState },
  thresholds: GuardThresholds,
  now: Date,
): Verdict {
  const { stats, rollout } = input;
  const measured = measure(stats, rollout, thresholds);
  const hold = (
    why: HoldReason,
    healthy: boolean,
    reasons: string[] = [],
    remainingMs?: number,
  ): Verdict => ({
    kind: 'hold',
    why,
    healthy,
    reasons,
    ...(remainingMs === undefined ? {} : { remainingMs }),
    measured,
  });
  if (!rollout.rolling) return hold('not_rolling', false);
  if (measured.samples < thresholds.minSamples) {
    return hold('too_few_samples', false, [`${measured.samples} samples < ${thresholds.minSamples}`]);
  }
  const reasons = breaches(measured, thresholds);
  if (reasons.length > 0) {
    return rollout.percentage > 0
      ? { kind: 'rollback', reasons, measured }
      : hold('unhealthy_at_zero', false, reasons);
  }
  if (rollout.atLastStep) return hold('last_step', true);
  if (!rollout.autoPromote) return hold('auto_promote_off', true);
  const since = Math.max((rollout.healthySince ?? now).getTime(), rollout.changedAt.getTime());
  const remainingMs = rollout.bakeMs - (now.getTime() - since);
  if (remainingMs > 0) return hold('baking', true, [], remainingMs);
  return { kind: 'advance', measured };
}

/** The loop's memory: when the current healthy streak began (kept across healthy verdicts, reset otherwise). */
export function nextHealthySince(verdict: Verdict, previous: Date | null, now: Date): Date | null {
  const healthy = verdict.kind === 'advance' || (verdict.kind === 'hold' && verdict.healthy);
  if (!healthy || verdict.kind === 'advance') return null;
  return previous ?? now;
}

/** A zero-filled outcome record (tests and readers). */
export const noOutcomes = (): Record<Outcome, number> =>
  Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>;
