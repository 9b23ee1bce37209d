import type { Comparison, Observation, Outcome } from './experiment-types.js';

/** What decides an outcome, once both sides are known (or the candidate's time ran out). */
export interface OutcomeInput {
  control: Observation;
  /** null: the candidate did not finish within its timeout. */
  candidate: Observation | null;
  timeoutMs: number;
  /** Runs only when both sides succeeded; may throw (recorded, never rethrown). */
  compare: (control: unknown, candidate: unknown) => Comparison;
  /** A mismatch this predicate accepts becomes 'ignored'. */
  ignoreMismatch?: (control: unknown, candidate: unknown) => boolean;
}

export interface Classified {
  outcome: Outcome;
  diff: string[];
}

const message = (raw: unknown) => (raw instanceof Error ? raw.message : String(raw));

/**
 * The outcome rule (pure): a failed control leaves nothing to compare; then the candidate's timeout and error;
 * then the comparison. A comparator or ignore predicate that throws makes a mismatch whose diff says so:
 * visible, counted against the candidate, never an exception in the caller.
 */
export function classify(input: OutcomeInput): Classified {
  const { control, candidate } = input;
  if (!control.ok) return { outcome: 'control_error', diff: [`control failed: ${control.error}`] };
  if (candidate === null) {
    return { outcome: 'timeout', diff: [`candidate did not finish within ${input.timeoutMs} ms`] };
  }
  if (!candidate.ok) return { outcome: 'candidate_error', diff: [`candidate failed: ${candidate.error}`] };
  let comparison: Comparison;
  try {
    comparison = input.compare(control.value, candidate.value);
  } catch (raw) {
    return { outcome: 'mismatch', diff: [`comparator failed: ${message(raw)}`] };
  }
  if (comparison.equal) return { outcome: 'match', diff: [] };
  try {
    if (input.ignoreMismatch?.(control.value, candidate.value))
      return { outcome: 'ignored', diff: comparison.diff };
  } catch (raw) {
    return { outcome: 'mismatch', diff: [...comparison.diff, `ignore predicate failed: ${message(raw)}`] };
  }
  return { outcome: 'mismatch', diff: comparison.diff };
}
