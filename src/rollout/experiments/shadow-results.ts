import { quantile } from '../window/rollout-window-histogram.js';
import type { ExperimentTotals } from '../window/rollout-window-store.js';
import { type Mode, OUTCOMES, type Outcome } from '../window/window-labels.js';

/** One experiment, one mode, one source, as `GET /api/admin/shadow-tests/results` shows it. */
interface ModeSummary {
  counts: Record<Outcome, number>;
  /** Ignored runs per declared rule that explained them (a run two rules explained counts for both). */
  ignored_by_rule: Record<string, number>;
  total: number;
  compared: number;
  /** (match + ignored) / compared: declared differences agree. */
  match_rate: number | null;
  control_p50_ms: number | null;
  candidate_p50_ms: number | null;
}

export interface ExperimentResults {
  experiment: string;
  registered: boolean;
  /** Runs of live traffic (the guard's evidence). */
  live: Record<Mode, ModeSummary>;
  /** Runs an admin asked for (run-single, run-batch). */
  admin: Record<Mode, ModeSummary>;
}

const round = (v: number | null) => (v === null ? null : Number(v.toFixed(3)));

function modeSummary(t: ExperimentTotals | undefined): ModeSummary {
  const counts = t?.counts ?? (Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>);
  const compared = counts.match + counts.mismatch + counts.ignored;
  return {
    counts,
    ignored_by_rule: { ...t?.ignoredByRule },
    total: OUTCOMES.reduce((s, o) => s + counts[o], 0),
    compared,
    match_rate: compared > 0 ? Number(((counts.match + counts.ignored) / compared).toFixed(6)) : null,
    control_p50_ms: t ? round(quantile(t.controlLatency, 0.5)) : null,
    candidate_p50_ms: t ? round(quantile(t.candidateLatency, 0.5)) : null,
  };
}

/** Per experiment, live and admin runs side by side (pure). */
export function experimentResults(
  name: string,
  registered: boolean,
  totals: { live: readonly ExperimentTotals[]; admin: readonly ExperimentTotals[] },
): ExperimentResults {
  const of = (from: readonly ExperimentTotals[]) => ({
    ab: modeSummary(from.find((e) => e.experiment === name && e.mode === 'ab')),
    aa: modeSummary(from.find((e) => e.experiment === name && e.mode === 'aa')),
  });
  return { experiment: name, registered, live: of(totals.live), admin: of(totals.admin) };
}
