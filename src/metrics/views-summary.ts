import type { RolloutPlan } from '../rollout/experiments/experiment-types.js';
import { effectivePercentage } from '../rollout/flags/flag-evaluation.js';
import type { Flag } from '../rollout/flags/flag-types.js';
import { type Measured, measure } from '../rollout/guard/guard-measure.js';
import { windowStatsOf } from '../rollout/guard/guard-store.js';
import { quantile, totalCount } from '../rollout/window/rollout-window-histogram.js';
import type { ArmTotals, ExperimentTotals } from '../rollout/window/rollout-window-store.js';

export interface ArmSummary {
  requests: number;
  /** Responses ≥ 500 other than database unavailability. */
  errors: number;
  /** Responses that said the database was unavailable (503 DATABASE_UNAVAILABLE). */
  unavailable: number;
  error_rate: number | null;
  p50_ms: number | null;
  p99_ms: number | null;
}

export interface ViewsSummary {
  flag: string;
  rollout: {
    enabled: boolean;
    strategy: string;
    percentage: number;
    step: number | null;
    steps: number[];
    auto_promote: boolean;
    bake_seconds: number;
    updated_at: string;
  } | null;
  window: { seconds: number; from: string; to: string; instances: number };
  arms: Record<string, ArmSummary>;
  requests: number;
  error_rate: number | null;
  shadow: {
    runs: number;
    compared: number;
    match_rate: number | null;
    mismatch_rate: number | null;
    candidate_errors: number;
    timeouts: number;
    control_errors: number;
    aa_compared: number;
    aa_mismatch_rate: number | null;
  };
  /** Null until a cache exists; never a made-up number. */
  cache_hit_rate: number | null;
  /**
   * What the rollout guard measures over this window: the candidate arm against the control arm — control
   * error rate, control p99, p99 ratio, database unavailability — the numbers a rollback records.
   */
  guard: Measured;
}

const ratio = (a: number, b: number) => (b > 0 ? a / b : null);
const round = (v: number | null, digits = 3) => (v === null ? null : Number(v.toFixed(digits)));

/** One arm over a window (pure); zeros and nulls when it served nothing. */
export function armSummary(a: ArmTotals | undefined): ArmSummary {
  if (!a || a.requests === 0)
    return { requests: 0, errors: 0, unavailable: 0, error_rate: null, p50_ms: null, p99_ms: null };
  const has = totalCount(a.latency) > 0;
  return {
    requests: a.requests,
    errors: a.errors,
    unavailable: a.unavailable,
    error_rate: round(ratio(a.errors, a.requests), 6),
    p50_ms: has ? round(quantile(a.latency, 0.5)) : null,
    p99_ms: has ? round(quantile(a.latency, 0.99)) : null,
  };
}

/**
 * `GET /api/admin/metrics/views`, computed from the window rows of every instance (pure). Both arms of the plan
 * are always reported, with zeros when they served nothing in the window.
 */
export function viewsSummary(input: {
  flagKey: string;
  /** The rollout's arms: the candidate `on`, measured against the control `off`. */
  arms: RolloutPlan['arms'];
  flag: Flag | undefined;
  /** The guard's A/A noise floor (GuardThresholds.minAaSamples). */
  minAaSamples: number;
  armTotals: readonly ArmTotals[];
  experiments: readonly ExperimentTotals[];
  from: Date;
  to: Date;
  cacheHitRate?: number | null;
}): ViewsSummary {
  const arms: Record<string, ArmSummary> = {};
  for (const name of [input.arms.on, input.arms.off])
    arms[name] = armSummary(input.armTotals.find((a) => a.arm === name));
  for (const a of input.armTotals) arms[a.arm] ??= armSummary(a);
  const requests = input.armTotals.reduce((s, a) => s + a.requests, 0);
  const errors = input.armTotals.reduce((s, a) => s + a.errors, 0);
  const sum = (mode: 'ab' | 'aa', pick: (e: ExperimentTotals) => number) =>
    input.experiments.filter((e) => e.mode === mode).reduce((s, e) => s + pick(e), 0);
  const compared = sum('ab', (e) => e.counts.match + e.counts.mismatch + e.counts.ignored);
  const agreeing = sum('ab', (e) => e.counts.match + e.counts.ignored);
  const aaCompared = sum('aa', (e) => e.counts.match + e.counts.mismatch + e.counts.ignored);
  const f = input.flag;
  const percentage = f?.enabled ? effectivePercentage(f) : 0;
  const step = f?.strategy === 'gradual' ? f.step : null;
  const stats = windowStatsOf(input.armTotals, input.experiments, {
    arm: input.arms.on,
    controlArm: input.arms.off,
    since: input.from,
    until: input.to,
  });
  return {
    flag: input.flagKey,
    rollout: f
      ? {
          enabled: f.enabled,
          strategy: f.strategy,
          percentage,
          step,
          steps: [...f.steps],
          auto_promote: f.auto_promote,
          bake_seconds: f.bake_seconds,
          updated_at: new Date(f.updated_at).toISOString(),
        }
      : null,
    window: {
      seconds: Math.round((input.to.getTime() - input.from.getTime()) / 1000),
      from: input.from.toISOString(),
      to: input.to.toISOString(),
      instances: Math.max(
        0,
        ...input.armTotals.map((a) => a.instances),
        ...input.experiments.map((e) => e.instances),
      ),
    },
    arms,
    requests,
    error_rate: round(ratio(errors, requests), 6),
    shadow: {
      runs: sum(
        'ab',
        (e) =>
          e.counts.match + e.counts.mismatch + e.counts.ignored + e.counts.candidate_error + e.counts.timeout,
      ),
      compared,
      match_rate: round(ratio(agreeing, compared), 6),
      mismatch_rate: round(ratio(compared - agreeing, compared), 6),
      candidate_errors: sum('ab', (e) => e.counts.candidate_error),
      timeouts: sum('ab', (e) => e.counts.timeout),
      control_errors: sum('ab', (e) => e.counts.control_error),
      aa_compared: aaCompared,
      aa_mismatch_rate: round(
        ratio(
          sum('aa', (e) => e.counts.mismatch),
          aaCompared,
        ),
        6,
      ),
    },
    cache_hit_rate: input.cacheHitRate ?? null,
    guard: measure(stats, { percentage, step }, { minAaSamples: input.minAaSamples }),
  };
}
