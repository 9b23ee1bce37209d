/**
 * Glossary (docs/rollout.md)
 * - flag: a named boolean switch stored in `feature_flags`; every instance evaluates it from an in-process
 *   snapshot of that table, so evaluation does no I/O.
 * - strategy: how a flag decides — `off` (no one), `on` (everyone), `percentage` (a share of stickiness keys),
 *   `gradual` (a share taken from a schedule of steps).
 * - enabled: the master switch; a disabled flag is off for everyone whatever its strategy.
 * - percentage: the share of stickiness keys a flag is on for, 0..100 with 0.001 granularity.
 * - step: for a gradual flag, the index into `steps` (default 0, 10, 25, 50, 75, 100) whose value is the
 *   percentage; advancing moves one step up.
 * - stickiness key: what keeps one caller in the same arm across requests — the user id, else the
 *   `X-Client-Id` header, else the client address. OpenFeature calls it the targeting key.
 * - bucket: murmur3(`flagKey:salt:stickinessKey`) mod 100,000. A key is in when bucket < percentage × 1000,
 *   so raising a percentage only ever adds keys.
 * - salt: per-flag text mixed into the hash; changing it reshuffles who is in.
 * - arm: which side a caller lands on — `on` (the new path) or `off` (the old one).
 * - event: one audited change of one flag (who, when, old → new, why), written by a database trigger so
 *   changes made with plain SQL are audited too.
 * - bake time: how long a step must stay healthy before auto-promotion advances it (`bake_seconds`).
 */

export const STRATEGIES = ['off', 'on', 'percentage', 'gradual'] as const;
export type Strategy = (typeof STRATEGIES)[number];

/** The schedule of the original plan; every gradual flag gets it unless it declares its own. */
export const DEFAULT_STEPS = [0, 10, 25, 50, 75, 100] as const;

/**
 * Why an evaluation came out as it did (lower-case OpenFeature standard reasons):
 * disabled — the flag's master switch is off; static — strategy on/off, the same for everyone;
 * split — pseudorandom assignment by bucket (percentage/gradual); error — the default value was returned
 * because something was wrong (unknown flag, no targeting key, a bug).
 */
const EVALUATION_REASONS = ['disabled', 'static', 'split', 'error'] as const;
export type EvaluationReason = (typeof EVALUATION_REASONS)[number];

const EVALUATION_ERRORS = ['FLAG_NOT_FOUND', 'TARGETING_KEY_MISSING', 'GENERAL'] as const;
export type EvaluationErrorCode = (typeof EVALUATION_ERRORS)[number];

/** What an event records as having happened; `rollback` is a guard's, `emergency_disable` the panic button. */
export const FLAG_ACTIONS = [
  'create',
  'update',
  'enable',
  'disable',
  'set_percentage',
  'advance',
  'rollback',
  'emergency_disable',
  'delete',
] as const;
export type FlagAction = (typeof FLAG_ACTIONS)[number];

/** A feature_flags row as the application sees it (numbers as numbers). */
export interface Flag {
  key: string;
  description: string;
  enabled: boolean;
  strategy: Strategy;
  /** For a gradual flag always steps[step] (a trigger keeps it so). */
  percentage: number;
  steps: number[];
  step: number;
  salt: string;
  auto_promote: boolean;
  bake_seconds: number;
  updated_at: Date;
  updated_by: string;
  /** Grows with every change (one sequence for all flags); a snapshot never replaces a row by an older one. */
  version: number;
}

/** The columns a change may set. */
export interface FlagPatch {
  enabled?: boolean;
  strategy?: Strategy;
  percentage?: number;
  step?: number;
  steps?: number[];
  auto_promote?: boolean;
  bake_seconds?: number;
  description?: string;
}

/** Who changes a flag and why; the trigger copies it into the event row. */
export interface FlagAudit {
  /** 'user:alice', 'token:ci', 'cli:root', 'guard:<instance>' … */
  actor: string;
  reason?: string;
  /** The action recorded; derived from the patch when absent. */
  action?: FlagAction;
  /** Values that triggered the change (a guard's error rate, p99, mismatch rate …). */
  measured?: Record<string, unknown>;
}

export interface FlagEvent {
  id: number;
  flag_key: string;
  at: Date;
  actor: string;
  action: FlagAction;
  /** Only the fields that changed (the whole row for create/delete). */
  old: Record<string, unknown> | null;
  new: Record<string, unknown> | null;
  reason: string | null;
  measured: Record<string, unknown> | null;
}

export interface FlagChange {
  flag: Flag;
  /** False when the request matched the current state: no row change, no event, no notification. */
  changed: boolean;
  event: FlagEvent | null;
}

/** OpenFeature's evaluation context, reduced to what kgdb flags read. */
export interface EvaluationContext {
  /** The stickiness key (see stickinessKeyOf). */
  targetingKey?: string;
}

export interface Evaluation {
  key: string;
  value: boolean;
  variant: 'on' | 'off';
  reason: EvaluationReason;
  /** The caller's bucket when one was computed (split strategies), else null. */
  bucket: number | null;
  /** The effective percentage of a percentage/gradual flag, else null. */
  percentage: number | null;
  /** The step of a gradual flag, else null. */
  step: number | null;
  errorCode?: EvaluationErrorCode;
  errorMessage?: string;
}
