import { mergeHistograms, quantile, totalCount } from '../window/rollout-window-histogram.js';
import type { Outcome } from '../window/window-labels.js';

/**
 * What the guard measures over one window, pure; guard.ts judges the numbers. The candidate counts every
 * execution of the new path: requests the candidate arm served and the candidate of every live comparison (a
 * shadow beside the control arm, a verification beside the candidate arm). The control counts the requests the
 * control arm served and the control side of those comparisons — the only control evidence left at 100 %.
 */

/** What one arm served in the window, summed over instances. */
export interface ArmWindow {
  requests: number;
  /** Responses ≥ 500 other than database unavailability; 4xx never count. */
  errors: number;
  /** Responses that said the database was unavailable (503 DATABASE_UNAVAILABLE), apart from errors. */
  unavailable: number;
  /** Latency histogram (rollout-window-histogram). */
  latency: readonly number[];
}

/** The last ~60 s of all instances, for both arms and the experiments. */
export interface WindowStats {
  from: Date;
  to: Date;
  instances: number;
  /** Requests the guarded arm (the candidate the rollout flag turns on) served. */
  served: ArmWindow;
  /** Requests the other arm (the control) served over the same window; zeros at 100 %. */
  control: ArmWindow;
  /**
   * Live comparisons (mode ab: shadows and verifications) of the guarded experiments: outcome counts, the
   * ignored ones per declared rule, and the durations of both sides. Admin runs are not evidence and never
   * appear here.
   */
  shadow: {
    counts: Readonly<Record<Outcome, number>>;
    ignoredByRule: Readonly<Record<string, number>>;
    candidateLatency: readonly number[];
    controlLatency: readonly number[];
  };
  /** A/A comparisons of the same experiments (the noise floor); null when none ran. */
  aa: { compared: number; mismatch: number } | null;
}

/** The numbers a verdict is based on; a rollback event carries them as `measured`. */
export interface Measured {
  window_from: string;
  window_to: string;
  instances: number;
  percentage: number;
  step: number | null;
  /** Candidate executions: served_requests + shadow_runs. */
  samples: number;
  served_requests: number;
  served_errors: number;
  /** Candidate-arm responses that said the database was unavailable, apart from served_errors. */
  served_unavailable: number;
  shadow_runs: number;
  candidate_errors: number;
  timeouts: number;
  /**
   * The candidate's failures: served errors, candidate errors and timeouts, plus served_unavailable unless
   * database_unavailable (unavailability only the candidate saw is its own error).
   */
  failures: number;
  /** failures / samples. */
  error_rate: number | null;
  p50_ms: number | null;
  p99_ms: number | null;
  /** Requests the control arm served, its errors and its database-unavailable responses. */
  control_requests: number;
  control_errors: number;
  control_unavailable: number;
  /** Control observations of the live comparisons, and how many of them failed (`control_error`). */
  control_runs: number;
  control_run_errors: number;
  /** control_errors + control_run_errors, plus control_unavailable unless database_unavailable. */
  control_failures: number;
  /** control_failures over control_requests + control_runs; null when there is no control observation at all. */
  control_error_rate: number | null;
  /** error_rate − control_error_rate (a fraction; 0.01 = 1 pp); null without a control. */
  error_rate_delta: number | null;
  /** Which error rule applied: against the control, or the candidate's own rate when there is no control. */
  error_rule: 'relative' | 'absolute';
  /** p99 of the control arm's requests and the comparisons' control side; null when none. */
  control_p99_ms: number | null;
  /** p99_ms / control_p99_ms; null when either is missing. */
  p99_ratio: number | null;
  /** The candidate saw the database unavailable and so did the control (or there was no control to ask). */
  database_unavailable: boolean;
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

const rate = (part: number, whole: number) => (whole > 0 ? part / whole : null);
const p99Of = (h: readonly number[]) => (totalCount(h) > 0 ? quantile(h, 0.99) : null);

type Comparison = Pick<
  Measured,
  | 'served_unavailable'
  | 'failures'
  | 'error_rate'
  | 'control_requests'
  | 'control_errors'
  | 'control_unavailable'
  | 'control_runs'
  | 'control_run_errors'
  | 'control_failures'
  | 'control_error_rate'
  | 'error_rate_delta'
  | 'error_rule'
  | 'control_p99_ms'
  | 'p99_ratio'
  | 'database_unavailable'
>;

/**
 * The candidate against the control over the same window. Database unavailability both sides saw (or that the
 * candidate saw with no control to ask) is nobody's error; seen by one side only, it is that side's error.
 */
function compareArms(stats: WindowStats, samples: number, p99: number | null): Comparison {
  const c = stats.shadow.counts;
  const { served, control } = stats;
  const controlRuns = c.match + c.mismatch + c.ignored + c.candidate_error + c.control_error + c.timeout;
  const controlSeen = control.requests + controlRuns;
  // At 100 % no control request is served: the comparisons' failing control side is the control's word.
  const controlSawOutage = control.unavailable > 0 || (control.requests === 0 && c.control_error > 0);
  const outage = served.unavailable > 0 && (controlSawOutage || controlSeen === 0);
  const failures = served.errors + c.candidate_error + c.timeout + (outage ? 0 : served.unavailable);
  const controlFailures = control.errors + c.control_error + (outage ? 0 : control.unavailable);
  const errorRate = rate(failures, samples);
  const controlErrorRate = rate(controlFailures, controlSeen);
  const controlP99 = p99Of(mergeHistograms([control.latency, stats.shadow.controlLatency]));
  return {
    served_unavailable: served.unavailable,
    failures,
    error_rate: errorRate,
    control_requests: control.requests,
    control_errors: control.errors,
    control_unavailable: control.unavailable,
    control_runs: controlRuns,
    control_run_errors: c.control_error,
    control_failures: controlFailures,
    control_error_rate: controlErrorRate,
    error_rate_delta: errorRate === null || controlErrorRate === null ? null : errorRate - controlErrorRate,
    error_rule: controlErrorRate === null ? 'absolute' : 'relative',
    control_p99_ms: controlP99,
    p99_ratio: p99 !== null && controlP99 !== null && controlP99 > 0 ? p99 / controlP99 : null,
    database_unavailable: outage,
  };
}

/** The window's numbers for the candidate, the control and the comparisons (`rollout` only labels them). */
export function measure(
  stats: WindowStats,
  rollout: { percentage: number; step: number | null },
  t: { minAaSamples: number },
): Measured {
  const c = stats.shadow.counts;
  const shadowRuns = c.match + c.mismatch + c.ignored + c.candidate_error + c.timeout;
  const samples = stats.served.requests + shadowRuns;
  const latency = mergeHistograms([stats.served.latency, stats.shadow.candidateLatency]);
  const p99 = p99Of(latency);
  const compared = c.match + c.mismatch + c.ignored;
  const mismatchRate = rate(c.mismatch, compared);
  const aaRate =
    stats.aa && stats.aa.compared >= t.minAaSamples ? rate(stats.aa.mismatch, stats.aa.compared) : null;
  const { served_unavailable, failures, error_rate, ...control } = compareArms(stats, samples, p99);
  return {
    window_from: stats.from.toISOString(),
    window_to: stats.to.toISOString(),
    instances: stats.instances,
    percentage: rollout.percentage,
    step: rollout.step,
    samples,
    served_requests: stats.served.requests,
    served_errors: stats.served.errors,
    served_unavailable,
    shadow_runs: shadowRuns,
    candidate_errors: c.candidate_error,
    timeouts: c.timeout,
    failures,
    error_rate,
    p50_ms: totalCount(latency) > 0 ? quantile(latency, 0.5) : null,
    p99_ms: p99,
    ...control,
    compared,
    mismatches: c.mismatch,
    declared_differences: c.ignored,
    declared_by_rule: { ...stats.shadow.ignoredByRule },
    mismatch_rate: mismatchRate,
    aa_mismatch_rate: aaRate,
    net_mismatch_rate: mismatchRate === null ? null : Math.max(0, mismatchRate - (aaRate ?? 0)),
  };
}
