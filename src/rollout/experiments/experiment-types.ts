/**
 * Glossary (docs/rollout.md; in the spirit of GitHub's Scientist)
 * - experiment: one named comparison of two code paths that should answer the same ('item_list').
 * - control: the path whose result the caller gets (the old one); an experiment resolves or rejects
 *   exactly as the control did.
 * - candidate: the path under test (the new one). On a sampled call it starts concurrently with the control,
 *   detached from the response, bounded by a timeout; its result is only compared, never returned.
 * - sampled share: the share of calls, on either arm, that also run a comparison (a shadow or a verification),
 *   from the plan's shadow flag and independent of the rollout share (the plan's rollout flag).
 * - mode: 'ab' compares control with candidate; 'aa' compares the control with a second run of itself, which
 *   measures the noise (rows changing between two reads) the guard subtracts from the ab mismatch rate.
 * - observation: what one path did on one call: its duration and its value or error.
 * - outcome: match, mismatch, ignored (every difference explained by a declared rule), candidate_error,
 *   control_error (nothing to compare against), timeout (the candidate outlived timeoutMs).
 * - difference: one place where the two results disagree (a changed field, a missing or an extra row).
 * - rule: a named, declared difference (`DifferenceRule`): known and harmless, counted by name, never a mismatch.
 * - source: who asked for a result — 'live' (a request through the arm switch) or 'admin' (run-single,
 *   run-batch). Only live results are evidence for the guard and, by default, for validate-migration.
 * - verification: a sampled call served by the new path (`serve`, e.g. behind a cache) also runs control and
 *   candidate, both detached, compared and recorded like a shadow run.
 * - arm: which path served a request (the plan's `arms.on` or `arms.off` label); the label of request metrics
 *   and rollout windows.
 * - plan: the names one migration hands this machinery (RolloutPlan below).
 * - window: ~10 s of one instance's numbers (per arm and per experiment), added into PostgreSQL so the guard
 *   and the admin pages see all instances.
 * - sample: a stored non-matching observation with its readable diff (capped per experiment and source).
 */

import type { ExperimentSource, Mode, Outcome } from '../window/window-labels.js';

/** What one path did on one call: recorded, never thrown into the caller. */
export type Observation = { arm: 'control' | 'candidate'; ms: number } & (
  | { ok: true; value: unknown }
  | { ok: false; error: string }
);

/**
 * One place where control and candidate disagree, addressed in the normalized values (dates as ISO text,
 * ignored fields removed; array positions and object keys are those of the raw values).
 * - `segments`: object keys and array indices from the root. A position in an unordered array (rows paired as
 *   a multiset) is the row's index in the control array for 'changed' and 'missing', and in the candidate array
 *   for 'extra'; a changed row's candidate counterpart is the candidate row with the same `id`.
 * - `kind`: 'changed' (both sides have a value), 'missing' (only the control has it: a row or a field),
 *   'extra' (only the candidate has it).
 */
export interface Difference {
  /** The readable path of the diff line: 'rows[3].evidence_score', 'rows[id=830].tier', 'score_breakdown.ClinGen'. */
  path: string;
  segments: readonly (string | number)[];
  kind: 'changed' | 'missing' | 'extra';
  /** The control's value there (undefined when 'extra'). */
  control: unknown;
  /** The candidate's value there (undefined when 'missing'). */
  candidate: unknown;
}

/**
 * A comparator's answer: equal, or the readable lines that differ and the same differences as data.
 * `truncated`: `differences` holds only the first ones, so no rule may explain the result as a whole.
 */
export type Comparison =
  | { equal: true }
  | { equal: false; diff: string[]; differences: Difference[]; truncated?: boolean };

/** One finished experiment call, as recorded. */
export interface ExperimentResult {
  name: string;
  mode: Mode;
  outcome: Outcome;
  /** Readable lines: the field differences, the candidate's error, or the timeout. Empty for a match. */
  diff: string[];
  /** Names of the rules that explained a difference, sorted; empty unless the outcome is 'ignored'. */
  rules: string[];
  /** 'live' through the arm switch, 'admin' from run-single / run-batch. */
  source: ExperimentSource;
  control: Observation;
  /** null when the candidate timed out (it may still be running, detached). */
  candidate: Observation | null;
  /** The request as JSON (stored with samples for replay); undefined when the experiment gives none. */
  request?: unknown;
}

/**
 * The names one migration hands the generic machinery: the composition root passes them (src/rollout-plan.ts
 * declares kgdb's); nothing under src/rollout has a default for them.
 */
export interface RolloutPlan {
  /** On for a caller → the candidate arm serves that caller; the guard rolls it back and promotes it. */
  readonly flag: string;
  /** Its percentage is the sampled share of calls, on either arm, that also run a comparison. */
  readonly shadowFlag: string;
  /** Arm labels: `on` the candidate the rollout flag turns on, `off` the control everyone else gets. */
  readonly arms: { readonly on: string; readonly off: string };
}
