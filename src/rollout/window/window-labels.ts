/**
 * The labels the rollout window counts by, and so the columns and keys of its tables: how an experiment call
 * ended, its mode and source, and the bounded names of arms, experiments and rules.
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
const SAMPLED_OUTCOMES = ['mismatch', 'ignored', 'candidate_error', 'control_error', 'timeout'] as const;
export type SampledOutcome = (typeof SAMPLED_OUTCOMES)[number];

export const MODES = ['ab', 'aa'] as const;
export type Mode = (typeof MODES)[number];

export const EXPERIMENT_SOURCES = ['live', 'admin'] as const;
export type ExperimentSource = (typeof EXPERIMENT_SOURCES)[number];

/** Experiment and rule names: metric labels, table keys and per-window count keys — short, lower case, bounded. */
export const NAME_PATTERN = /^[a-z][a-z0-9_]{0,63}$/;

/** Arm labels (request metrics, rollout windows). */
export const ARM_PATTERN = /^[a-z][a-z0-9_]{0,31}$/;
