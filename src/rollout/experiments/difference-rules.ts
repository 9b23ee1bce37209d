import { NAME_PATTERN } from '../window/window-labels.js';
import type { Comparison, Difference } from './experiment-types.js';

/**
 * A declared difference (Scientist's `ignore`, but named): a kind of disagreement between control and candidate
 * that is known and harmless. A result whose every difference some rule explains is recorded as 'ignored' and
 * counted per rule name, so what is being waved through stays visible.
 */
export interface DifferenceRule<T> {
  /** Count key and label: /^[a-z][a-z0-9_]{0,63}$/ ('rounded_scores'). */
  name: string;
  /** Why this difference is harmless, for the people reading the results. */
  description: string;
  /** Pure; runs once per difference of a non-equal comparison. A throw makes the run a mismatch. */
  explains(difference: Difference, control: T, candidate: T): boolean;
}

export type Explanation =
  | { explained: true; rules: string[] }
  | { explained: false }
  | { explained: false; failed: string };

const message = (raw: unknown) => (raw instanceof Error ? raw.message : String(raw));

/** Throws on a malformed or repeated rule name (a programming error, found at registration). */
export function checkRules(
  experiment: string,
  rules: readonly Pick<DifferenceRule<unknown>, 'name'>[],
): void {
  const seen = new Set<string>();
  for (const rule of rules) {
    if (!NAME_PATTERN.test(rule.name)) {
      throw new Error(
        `experiment '${experiment}': rule name '${rule.name}' must match ${NAME_PATTERN.source}`,
      );
    }
    if (seen.has(rule.name))
      throw new Error(`experiment '${experiment}': rule '${rule.name}' is declared twice`);
    seen.add(rule.name);
  }
}

/**
 * The rule of declared differences (pure): explained when the comparison lists every difference (not
 * truncated, not empty) and each one is explained by at least one rule. Every rule is asked about every
 * difference, so the names reported do not depend on the order the rules are declared in.
 */
export function explainDifferences<T>(
  comparison: Extract<Comparison, { equal: false }>,
  rules: readonly DifferenceRule<T>[],
  control: T,
  candidate: T,
): Explanation {
  if (rules.length === 0 || comparison.truncated || comparison.differences.length === 0) {
    return { explained: false };
  }
  const used = new Set<string>();
  for (const difference of comparison.differences) {
    let explained = false;
    for (const rule of rules) {
      let yes: boolean;
      try {
        yes = rule.explains(difference, control, candidate);
      } catch (raw) {
        return { explained: false, failed: `rule '${rule.name}' failed: ${message(raw)}` };
      }
      if (yes) {
        explained = true;
        used.add(rule.name);
      }
    }
    if (!explained) return { explained: false };
  }
  return { explained: true, rules: [...used].sort() };
}
