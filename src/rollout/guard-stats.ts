import type { Queryable } from '../db/pool.js';
import { noOutcomes, type WindowStats } from './guard.js';
import { addInto, emptyHistogram } from './rollout-window-histogram.js';
import { readArmTotals, readExperimentTotals } from './rollout-window-store.js';

export interface WindowQuery {
  /** The arm the flag turns on ('views'). */
  arm: string;
  /** The experiments whose candidate is that arm; undefined = all recorded experiments. */
  experiments?: readonly string[];
  since: Date;
  until: Date;
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
  const served = arms.find((a) => a.arm === q.arm);
  const counts = noOutcomes();
  const ignoredByRule: Record<string, number> = {};
  const candidateLatency = emptyHistogram();
  const aaSum = { runs: 0, compared: 0, mismatch: 0 };
  let instances = served?.instances ?? 0;
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
  }
  return {
    from: q.since,
    to: q.until,
    instances,
    served: served
      ? { requests: served.requests, errors: served.errors, latency: served.latency }
      : { requests: 0, errors: 0, latency: emptyHistogram() },
    shadow: { counts, ignoredByRule, candidateLatency },
    aa: aaSum.runs > 0 ? { compared: aaSum.compared, mismatch: aaSum.mismatch } : null,
  };
}
