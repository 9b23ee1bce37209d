import type { Outcome } from '../window/window-labels.js';
import { type DifferenceRule, explainDifferences } from './difference-rules.js';
import type { Comparison, Observation } from './experiment-types.js';

/** What decides an outcome, once both sides are known (or the candidate's time ran out). */
export interface OutcomeInput {
  control: Observation;
  /** null: the candidate did not finish within its timeout. */
  candidate: Observation | null;
  timeoutMs: number;
  /** Runs only when both sides succeeded; may throw (recorded, never rethrown). */
  compare: (control: unknown, candidate: unknown) => Comparison;
  /** Declared differences: a comparison whose every difference one of them explains becomes 'ignored'. */
  rules?: readonly DifferenceRule<unknown>[];
}

export interface Classified {
  outcome: Outcome;
  diff: string[];
  /** The rules that explained the differences of an 'ignored' outcome, sorted; empty otherwise. */
  rules: string[];
}

const message = (raw: unknown) => (raw instanceof Error ? raw.message : String(raw));

/**
 * The outcome rule (pure): a failed control leaves nothing to compare; then the candidate's timeout and error;
 * then the comparison and the declared rules. A comparator or rule that throws makes a mismatch whose diff says
 * so: visible, counted against the candidate, never an exception in the caller.
 */
export function classify(input: OutcomeInput): Classified {
  const { control, candidate } = input;
  const out = (outcome: Outcome, diff: string[], rules: string[] = []): Classified => ({
    outcome,
    diff,
    rules,
  });
  if (!control.ok) return out('control_error', [`control failed: ${control.error}`]);
  if (candidate === null) return out('timeout', [`candidate did not finish within ${input.timeoutMs} ms`]);
  if (!candidate.ok) return out('candidate_error', [`candidate failed: ${candidate.error}`]);
  let comparison: Comparison;
  try {
    comparison = input.compare(control.value, candidate.value);
  } catch (raw) {
    return out('mismatch', [`comparator failed: ${message(raw)}`]);
  }
  if (comparison.equal) return out('match', []);
  const explanation = explainDifferences(comparison, input.rules ?? [], control.value, candidate.value);
  if (explanation.explained) return out('ignored', comparison.diff, explanation.rules);
  if ('failed' in explanation) return out('mismatch', [...comparison.diff, explanation.failed]);
  return out('mismatch', comparison.diff);
}
