/**
 * The guard's rule, pure: window numbers (guard-measure.ts), thresholds and `now` in, a verdict out.
 * Kayenta-style, it judges the candidate (the arm the rollout flag turns on) against the control (the arm
 * everyone else gets) measured over the same window, so load or a database outage that hurts both arms alike is
 * never blamed on the candidate. Declared differences agree: they are reported, never counted as mismatches.
 */

import type { GuardThresholdSettings } from '../../config.js';
import { OUTCOMES, type Outcome } from '../window/window-labels.js';
import { type Measured, measure, type WindowStats } from './guard-measure.js';

/** The thresholds are an input: their defaults live with the rest of the configuration (src/config.ts). */
export type GuardThresholds = GuardThresholdSettings;

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

export const HOLD_REASONS = [
  'too_few_samples',
  'not_rolling',
  'unhealthy_at_zero',
  'last_step',
  'auto_promote_off',
  'baking',
  'inconclusive: database unavailable',
  'inconclusive: no control latency',
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

const pct = (r: number) => `${(r * 100).toFixed(2)} %`;
const pp = (r: number) => `${(r * 100).toFixed(2)} pp`;
/** Rates are ratios of counts: 0.06 − 0.05 is 0.010000000000000002 in floating point, not over 1 pp. */
const EPSILON = 1e-9;

function errorBreach(m: Measured, t: GuardThresholds): string | null {
  if (m.error_rate === null) return null;
  if (m.control_error_rate === null || m.error_rate_delta === null) {
    if (m.error_rate <= t.maxErrorRate) return null;
    return `error rate ${pct(m.error_rate)} > ${pct(t.maxErrorRate)} (${m.failures} of ${m.samples}; no control observations)`;
  }
  if (m.error_rate_delta <= t.maxErrorRate + EPSILON) return null;
  return (
    `error rate ${pct(m.error_rate)} − control ${pct(m.control_error_rate)} = ${pp(m.error_rate_delta)} > ` +
    `${pp(t.maxErrorRate)} (${m.failures} of ${m.samples}; control ${m.control_failures} of ` +
    `${m.control_requests + m.control_runs})`
  );
}

function p99Breach(m: Measured, t: GuardThresholds): string | null {
  if (m.p99_ms === null || m.control_p99_ms === null || m.p99_ms <= t.maxP99Ms) return null;
  if (m.p99_ms <= t.maxP99Ratio * m.control_p99_ms) return null;
  const ratio = m.p99_ratio === null ? '' : ` (${m.p99_ratio.toFixed(2)}×)`;
  return `p99 ${m.p99_ms.toFixed(1)} ms > ${t.maxP99Ms} ms and > ${t.maxP99Ratio}× the control's ${m.control_p99_ms.toFixed(1)} ms${ratio}`;
}

function mismatchBreach(m: Measured, t: GuardThresholds): string | null {
  if (m.net_mismatch_rate === null || m.compared < t.minShadowSamples) return null;
  if (m.net_mismatch_rate <= t.maxMismatchRate) return null;
  const noise = m.aa_mismatch_rate === null ? '' : ` net of A/A noise ${pct(m.aa_mismatch_rate)}`;
  return `mismatch rate ${pct(m.net_mismatch_rate)}${noise} > ${pct(t.maxMismatchRate)} (${m.mismatches} of ${m.compared})`;
}

/** Each rule the window breaches, as a readable reason with the measured values. */
function breaches(m: Measured, t: GuardThresholds): string[] {
  return [errorBreach(m, t), p99Breach(m, t), mismatchBreach(m, t)].filter((r): r is string => r !== null);
}

/**
 * Why the window cannot judge the candidate although it has enough samples, or null: the database was
 * unavailable to both sides, or the candidate's p99 is over the absolute limit with no control latency to tell
 * load from a slow candidate. Only the first holds against every rule; the second only against promotion.
 */
function inconclusive(m: Measured, t: GuardThresholds): { why: HoldReason; reason: string } | null {
  if (m.database_unavailable) {
    const control =
      m.control_requests > 0
        ? `control ${m.control_unavailable} of ${m.control_requests}`
        : m.control_runs > 0
          ? `control runs failed ${m.control_run_errors} of ${m.control_runs}`
          : 'no control observations';
    return {
      why: 'inconclusive: database unavailable',
      reason: `inconclusive: database unavailable (candidate ${m.served_unavailable} of ${m.served_requests}, ${control})`,
    };
  }
  if (m.p99_ms !== null && m.p99_ms > t.maxP99Ms && m.control_p99_ms === null) {
    return {
      why: 'inconclusive: no control latency',
      reason: `inconclusive: p99 ${m.p99_ms.toFixed(1)} ms > ${t.maxP99Ms} ms with no control latency to compare`,
    };
  }
  return null;
}

/**
 * Hold when there is too little data, the database was unavailable to both arms, or nothing to act on; roll
 * back on any breach while someone is exposed; hold when the p99 is inconclusive or the step has not been
 * healthy for its whole bake time; advance one step once it has (and auto-promotion is on).
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
  const unsure = inconclusive(measured, thresholds);
  if (unsure?.why === 'inconclusive: database unavailable') return hold(unsure.why, false, [unsure.reason]);
  const reasons = breaches(measured, thresholds);
  if (reasons.length > 0) {
    return rollout.percentage > 0
      ? { kind: 'rollback', reasons, measured }
      : hold('unhealthy_at_zero', false, reasons);
  }
  if (unsure) return hold(unsure.why, false, [unsure.reason]);
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
