import type { Queryable } from '../../db/pool.js';
import { addInto, emptyHistogram } from '../window/rollout-window-histogram.js';
import {
  type ArmTotals,
  type ExperimentTotals,
  readArmTotals,
  readExperimentTotals,
} from '../window/rollout-window-store.js';
import { noOutcomes } from './guard.js';
import type { ArmWindow, WindowStats } from './guard-measure.js';

export interface WindowQuery {
  /** The arm the rollout flag turns on: the candidate. */
  arm: string;
  /** The arm that serves everyone else: the control. */
  controlArm: string;
  /** The experiments whose candidate is that arm; undefined = all recorded experiments. */
  experiments?: readonly string[];
  since: Date;
  until: Date;
}

const armWindow = (a: ArmTotals | undefined): ArmWindow =>
  a
    ? { requests: a.requests, errors: a.errors, unavailable: a.unavailable, latency: a.latency }
    : { requests: 0, errors: 0, unavailable: 0, latency: emptyHistogram() };

/** Pure: the guard's input from totals already summed over instances (experiments: live runs only). */
export function windowStatsOf(
  arms: readonly ArmTotals[],
  experiments: readonly ExperimentTotals[],
  q: Omit<WindowQuery, 'experiments'>,
): WindowStats {
  const served = arms.find((a) => a.arm === q.arm);
  const control = arms.find((a) => a.arm === q.controlArm);
  const counts = noOutcomes();
  const ignoredByRule: Record<string, number> = {};
  const candidateLatency = emptyHistogram();
  const controlLatency = emptyHistogram();
  const aaSum = { runs: 0, compared: 0, mismatch: 0 };
  let instances = Math.max(served?.instances ?? 0, control?.instances ?? 0);
  for (const e of experiments) {
    instances = Math.max(instances, e.instances);
    if (e.mode === 'aa') {
      const compared = e.counts.match + e.counts.mismatch + e.counts.ignored;
      aaSum.runs++;
      aaSum.compared += compared;
      aaSum.mismatch += e.counts.mismatch;
      continue;
    }
    for (const [outcome, n] of Object.entries(e.counts)) counts[outcome as keyof typeof counts] += n;
    for (const [rule, n] of Object.entries(e.ignoredByRule))
      ignoredByRule[rule] = (ignoredByRule[rule] ?? 0) + n;
    addInto(candidateLatency, e.candidateLatency);
    addInto(controlLatency, e.controlLatency);
  }
  return {
    from: q.since,
    to: q.until,
    instances,
    served: armWindow(served),
    control: armWindow(control),
    shadow: { counts, ignoredByRule, candidateLatency, controlLatency },
    aa: aaSum.runs > 0 ? { compared: aaSum.compared, mismatch: aaSum.mismatch } : null,
  };
}

/**
 * The guard's input, summed over every instance's window rows in [since, until]: live runs only, so an admin
 * batch can neither make up the minimum sample count nor move a rate.
 */
export async function readWindowStats(db: Queryable, q: WindowQuery): Promise<WindowStats> {
  const [arms, experiments] = await Promise.all([
    readArmTotals(db, q.since),
    readExperimentTotals(db, q.since, q.experiments, 'live'),
  ]);
  return windowStatsOf(arms, experiments, q);
}
