import { quantile, totalCount } from '../window/rollout-window-histogram.js';
import type { ExperimentTotals } from '../window/rollout-window-store.js';

/** When a migration is ready (docs/rollout.md): the defaults are the documented rule; every field can be overridden. */
export interface MigrationThresholds {
  /** (match + ignored) / compared must reach this. Default 0.95. */
  minMatchRate: number;
  /** Candidate p50 may be at most this multiple of control p50. Default 1.2. */
  maxLatencyRatio: number;
  /** Fewer compared samples than this for an experiment: not ready (no verdict on no data). Default 100. */
  minSamples: number;
}

export const DEFAULT_MIGRATION_THRESHOLDS: Readonly<MigrationThresholds> = Object.freeze({
  minMatchRate: 0.95,
  maxLatencyRatio: 1.2,
  minSamples: 100,
});

/** One experiment's recorded evidence (mode ab), summed over all instances in the window. */
export interface ExperimentEvidence {
  experiment: string;
  compared: number;
  /** Agreeing runs: exact matches plus declared differences (ignored). */
  matches: number;
  /** Of `matches`, the runs whose differences declared rules explained, and how often each rule did. */
  ignored: number;
  ignored_by_rule: Record<string, number>;
  mismatches: number;
  candidate_errors: number;
  timeouts: number;
  control_errors: number;
  match_rate: number | null;
  control_p50_ms: number | null;
  candidate_p50_ms: number | null;
  latency_ratio: number | null;
}

export type MigrationVerdict = {
  ready: boolean;
  /** Every failed check, readable and with its numbers; empty when ready. */
  reasons: string[];
  experiments: ExperimentEvidence[];
};

const round = (v: number | null, digits = 4) => (v === null ? null : Number(v.toFixed(digits)));

export function evidenceOf(name: string, totals: readonly ExperimentTotals[]): ExperimentEvidence {
  const t = totals.find((e) => e.experiment === name && e.mode === 'ab');
  const c = t?.counts;
  const matches = (c?.match ?? 0) + (c?.ignored ?? 0);
  const compared = matches + (c?.mismatch ?? 0);
  const controlP50 = t && totalCount(t.controlLatency) > 0 ? quantile(t.controlLatency, 0.5) : null;
  const candidateP50 = t && totalCount(t.candidateLatency) > 0 ? quantile(t.candidateLatency, 0.5) : null;
  return {
    experiment: name,
    compared,
    matches,
    ignored: c?.ignored ?? 0,
    ignored_by_rule: { ...t?.ignoredByRule },
    mismatches: c?.mismatch ?? 0,
    candidate_errors: c?.candidate_error ?? 0,
    timeouts: c?.timeout ?? 0,
    control_errors: c?.control_error ?? 0,
    match_rate: round(compared > 0 ? matches / compared : null, 6),
    control_p50_ms: round(controlP50, 3),
    candidate_p50_ms: round(candidateP50, 3),
    latency_ratio: controlP50 && candidateP50 !== null ? round(candidateP50 / controlP50, 3) : null,
  };
}

/**
 * validate-migration's rule (pure): ready when, for every experiment, enough comparisons were recorded, the
 * match rate is ≥ 95 %, there were no candidate errors (timeouts count as errors: the candidate gave no
 * answer) and the candidate's p50 is ≤ 1.2 × the control's.
 */
export function migrationVerdict(
  experiments: readonly ExperimentEvidence[],
  t: MigrationThresholds = DEFAULT_MIGRATION_THRESHOLDS,
): MigrationVerdict {
  const reasons: string[] = [];
  if (experiments.length === 0) reasons.push('no experiments registered or recorded');
  for (const e of experiments) {
    const n = e.experiment;
    if (e.compared < t.minSamples) {
      reasons.push(`${n}: ${e.compared} compared samples < ${t.minSamples} required`);
      continue;
    }
    if (e.match_rate !== null && e.match_rate < t.minMatchRate) {
      reasons.push(
        `${n}: match rate ${(e.match_rate * 100).toFixed(2)} % < ${t.minMatchRate * 100} % (${e.mismatches} mismatches)`,
      );
    }
    if (e.candidate_errors + e.timeouts > 0) {
      reasons.push(`${n}: ${e.candidate_errors} candidate errors and ${e.timeouts} timeouts (none allowed)`);
    }
    if (e.latency_ratio === null) {
      reasons.push(`${n}: no durations recorded to compare latency`);
    } else if (e.latency_ratio > t.maxLatencyRatio) {
      reasons.push(
        `${n}: candidate p50 ${e.candidate_p50_ms} ms is ${e.latency_ratio}× control p50 ${e.control_p50_ms} ms (> ${t.maxLatencyRatio}×)`,
      );
    }
  }
  return { ready: reasons.length === 0, reasons, experiments: [...experiments] };
}
