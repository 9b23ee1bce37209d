/**
 * Glossary (DESIGN §6, in the spirit of GitHub's Scientist)
 * - experiment: one named comparison of two code paths that should answer the same ('gene_list').
 * - control: the path whose result the caller gets (the legacy SQL); an experiment resolves or rejects
 *   exactly as the control did.
 * - candidate: the path under test (the views). On a sampled call it starts concurrently with the control,
 *   detached from the response, bounded by a timeout; its result is only compared, never returned.
 * - sampled share: the share of calls, on either arm, that also run a comparison (a shadow or a verification),
 *   from the `enable_shadow_testing` flag and independent of the rollout share (`use_database_views`).
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
 * - arm: which path served a request ('views' | 'legacy'); the label of request metrics and rollout windows.
 * - window: ~10 s of one instance's numbers (per arm and per experiment), added into PostgreSQL so the guard
 *   and the admin views see all instances.
 * - sample: a stored non-matching observation with its readable diff (capped per experiment and source).
 */

export const OUTCOMES = [
  'match',
  'mismatch',
  'ignored',
  'candidate_error',
  'control_error',
  'timeout',
] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** Outcomes stored as samples with their diff; a match is only counted. */
export const SAMPLED_OUTCOMES = [
  'mismatch',
  'ignored',
  'candidate_error',
  'control_error',
  'timeout',
] as const;
export type SampledOutcome = (typeof SAMPLED_OUTCOMES)[number];

export const MODES = ['ab', 'aa'] as const;
export type Mode = (typeof MODES)[number];

export const EXPERIMENT_SOURCES = ['live', 'admin'] as const;
export type ExperimentSource = (typeof EXPERIMENT_SOURCES)[number];

/** Experiment names are metric labels and table keys: short, lower case, bounded. */
export const EXPERIMENT_NAME_PATTERN = /^[a-z][a-z0-9_]{0,63}$/;

/** Rule names are keys of the per-window counts: the same bounds. */
export const RULE_NAME_PATTERN = EXPERIMENT_NAME_PATTERN;

/** Arm labels (request metrics, rollout windows). */
export const ARM_PATTERN = /^[a-z][a-z0-9_]{0,31}$/;

/** What one path did on one call (STYLE rule 17). */
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
 * Test-only fault injection (issue 5): the candidate — and the views arm when it serves — fails on this share
 * of calls. Never set in production configuration; the guard test uses it to prove the rollback.
 */
export interface FaultInjection {
  /** 0..1: share of candidate/views executions that throw `InjectedFault`. */
  candidateFailureRate: number;
  /** Injected for deterministic tests; Math.random otherwise. */
  random?: () => number;
}

export class InjectedFault extends Error {
  constructor() {
    super('injected fault (test-only fault injection)');
    this.name = 'InjectedFault';
  }
}
