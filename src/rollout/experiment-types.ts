/**
 * Glossary (DESIGN §6, in the spirit of GitHub's Scientist)
 * - experiment: one named comparison of two code paths that should answer the same ('gene_list').
 * - control: the path whose result the caller gets (the legacy SQL); an experiment resolves or rejects
 *   exactly as the control did.
 * - candidate: the path under test (the views). On a sampled call it starts concurrently with the control,
 *   detached from the response, bounded by a timeout; its result is only compared, never returned.
 * - sampled share: the share of calls that also run the candidate, from the `enable_shadow_testing` flag and
 *   independent of the rollout share (`use_database_views`).
 * - mode: 'ab' compares control with candidate; 'aa' compares the control with a second run of itself, which
 *   measures the noise (rows changing between two reads) the guard subtracts from the ab mismatch rate.
 * - observation: what one path did on one call: its duration and its value or error.
 * - outcome: match, mismatch, ignored (a mismatch the experiment declared harmless), candidate_error,
 *   control_error (nothing to compare against), timeout (the candidate outlived timeoutMs).
 * - arm: which path served a request ('views' | 'legacy'); the label of request metrics and rollout windows.
 * - window: ~10 s of one instance's numbers (per arm and per experiment), added into PostgreSQL so the guard
 *   and the admin views see all instances.
 * - sample: a stored non-matching observation with its readable diff (capped per experiment).
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

/** Experiment names are metric labels and table keys: short, lower case, bounded. */
export const EXPERIMENT_NAME_PATTERN = /^[a-z][a-z0-9_]{0,63}$/;

/** Arm labels (request metrics, rollout windows). */
export const ARM_PATTERN = /^[a-z][a-z0-9_]{0,31}$/;

/** What one path did on one call (STYLE rule 17). */
export type Observation = { arm: 'control' | 'candidate'; ms: number } & (
  | { ok: true; value: unknown }
  | { ok: false; error: string }
);

/** A comparator's answer: equal, or the readable lines that differ. */
export type Comparison = { equal: true } | { equal: false; diff: string[] };

/** One finished experiment call, as recorded. */
export interface ExperimentResult {
  name: string;
  mode: Mode;
  outcome: Outcome;
  /** Readable lines: the field differences, the candidate's error, or the timeout. Empty for a match. */
  diff: string[];
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
