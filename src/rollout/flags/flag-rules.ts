import { KgdbError } from '../../errors.js';
import { effectivePercentage } from './flag-evaluation.js';
import { type Flag, type FlagAction, type FlagPatch, STRATEGIES, type Strategy } from './flag-types.js';

/** The columns a patch decides; the store writes exactly these. */
export type FlagState = Pick<
  Flag,
  'enabled' | 'strategy' | 'percentage' | 'steps' | 'step' | 'auto_promote' | 'bake_seconds' | 'description'
>;

export const PATCH_FIELDS = [
  'enabled',
  'strategy',
  'percentage',
  'step',
  'steps',
  'auto_promote',
  'bake_seconds',
  'description',
] as const satisfies readonly (keyof FlagPatch)[];

export const MAX_STEPS = 20;
export const MAX_BAKE_SECONDS = 7 * 24 * 3600;
export const MAX_TEXT = 1000;

const invalid = (parameter: string, detail: string) =>
  new KgdbError('INVALID_PARAMETER', { parameter, detail });

/** Keys of a request body that are not patch fields (all of them, in order), so one 400 can name every one. */
export function unknownFields(body: unknown, allowed: readonly string[]): string[] {
  if (body === null || typeof body !== 'object') return [];
  return Object.keys(body).filter((k) => !allowed.includes(k));
}

function hasThousandths(p: number): boolean {
  return Math.abs(p * 1000 - Math.round(p * 1000)) < 1e-6;
}

function checkPercentage(p: unknown, parameter = 'percentage'): number {
  if (typeof p !== 'number' || !Number.isFinite(p) || p < 0 || p > 100 || !hasThousandths(p)) {
    throw invalid(
      parameter,
      `${parameter} must be a number from 0 to 100 with at most 3 decimals, got ${String(p)}`,
    );
  }
  return p;
}

export function checkSteps(steps: unknown): number[] {
  const rule = `steps must be 1..${MAX_STEPS} ascending percentages (0..100, at most 3 decimals) starting at 0`;
  if (!Array.isArray(steps) || steps.length < 1 || steps.length > MAX_STEPS) {
    throw invalid('steps', `${rule}, got ${JSON.stringify(steps)}`);
  }
  for (const [i, s] of steps.entries()) checkPercentage(s, `steps[${i}]`);
  const ok = steps[0] === 0 && steps.every((s, i) => i === 0 || s > steps[i - 1]);
  // Starting at 0 guarantees a rollback (to 0 %) always has a step to land on.
  if (!ok) throw invalid('steps', `${rule}, got ${JSON.stringify(steps)}`);
  return steps as number[];
}

function checkFields(patch: FlagPatch): void {
  if (patch.strategy !== undefined && !STRATEGIES.includes(patch.strategy)) {
    throw invalid(
      'strategy',
      `strategy must be one of ${STRATEGIES.join(', ')}, got ${String(patch.strategy)}`,
    );
  }
  if (patch.enabled !== undefined && typeof patch.enabled !== 'boolean') {
    throw invalid('enabled', `enabled must be true or false, got ${String(patch.enabled)}`);
  }
  if (patch.auto_promote !== undefined && typeof patch.auto_promote !== 'boolean') {
    throw invalid('auto_promote', `auto_promote must be true or false, got ${String(patch.auto_promote)}`);
  }
  if (patch.percentage !== undefined) checkPercentage(patch.percentage);
  if (patch.steps !== undefined) checkSteps(patch.steps);
  const b = patch.bake_seconds;
  if (b !== undefined && !(Number.isInteger(b) && b >= 0 && b <= MAX_BAKE_SECONDS)) {
    throw invalid(
      'bake_seconds',
      `bake_seconds must be an integer from 0 to ${MAX_BAKE_SECONDS}, got ${String(b)}`,
    );
  }
  if (
    patch.description !== undefined &&
    !(typeof patch.description === 'string' && patch.description.length <= MAX_TEXT)
  ) {
    throw invalid('description', `description must be text of at most ${MAX_TEXT} characters`);
  }
}

/** The highest step at or below a percentage (never raises exposure); steps start at 0, so one always fits. */
function stepAtOrBelow(steps: number[], percentage: number): number {
  let index = 0;
  steps.forEach((s, i) => {
    if (s <= percentage) index = i;
  });
  return index;
}

function gradualPosition(current: FlagState, patch: FlagPatch, steps: number[]): number {
  const range = `0..${steps.length - 1} (steps ${steps.join(', ')})`;
  if (patch.step !== undefined) {
    if (!Number.isInteger(patch.step) || patch.step < 0 || patch.step >= steps.length) {
      throw invalid('step', `step must be an integer in ${range}, got ${String(patch.step)}`);
    }
    if (patch.percentage !== undefined && patch.percentage !== steps[patch.step]) {
      throw invalid(
        'percentage',
        `percentage ${patch.percentage} contradicts step ${patch.step} (${steps[patch.step]} %)`,
      );
    }
    return patch.step;
  }
  if (patch.percentage !== undefined) {
    const index = steps.indexOf(patch.percentage);
    if (index < 0) {
      throw invalid(
        'percentage',
        `flag is gradual: percentage must be one of its steps ${steps.join(', ')}, got ${patch.percentage} (or set strategy 'percentage')`,
      );
    }
    return index;
  }
  if (current.strategy !== 'gradual') return stepAtOrBelow(steps, effectivePercentage(current));
  if (current.step >= steps.length) {
    throw invalid('step', `step ${current.step} is past the new steps; give a step in ${range}`);
  }
  return current.step;
}

function rejectSplitFields(strategy: Strategy, patch: FlagPatch): void {
  const field = patch.step !== undefined ? 'step' : patch.percentage !== undefined ? 'percentage' : undefined;
  if (field === 'step' && strategy !== 'gradual') {
    throw invalid('step', `step applies to gradual flags; this flag's strategy is '${strategy}'`);
  }
  if (field === 'percentage' && (strategy === 'on' || strategy === 'off')) {
    throw invalid(
      'percentage',
      `percentage applies to percentage and gradual flags; this flag's strategy is '${strategy}'`,
    );
  }
}

/**
 * The state a patch leads to, or a KgdbError naming the offending field and what it allows. A gradual flag's
 * percentage is always steps[step]: a patch may give either (a percentage must then be one of the steps).
 */
export function nextFlagState(current: FlagState, patch: FlagPatch): FlagState {
  const given = PATCH_FIELDS.filter((f) => patch[f] !== undefined);
  if (given.length === 0)
    throw invalid('body', `Nothing to change: give at least one of ${PATCH_FIELDS.join(', ')}`);
  checkFields(patch);
  const strategy = patch.strategy ?? current.strategy;
  const steps = patch.steps ?? current.steps;
  rejectSplitFields(strategy, patch);
  const next: FlagState = {
    enabled: patch.enabled ?? current.enabled,
    strategy,
    steps,
    percentage: current.percentage,
    step: Math.min(current.step, steps.length - 1),
    auto_promote: patch.auto_promote ?? current.auto_promote,
    bake_seconds: patch.bake_seconds ?? current.bake_seconds,
    description: patch.description ?? current.description,
  };
  if (strategy === 'gradual') {
    next.step = gradualPosition(current, patch, steps);
    // "A gradual flag's percentage is steps[step]" is stated once in TypeScript, in effectivePercentage, which
    // evaluation uses too. The feature_flags trigger (migration 0005) enforces it for plain SQL; it is not left
    // to the trigger alone because this pure function must return the complete state the store writes.
    next.percentage = effectivePercentage(next);
  } else if (strategy === 'percentage') {
    next.percentage = patch.percentage ?? effectivePercentage(current);
  }
  return next;
}

/** Whether advance has nowhere to go: a gradual flag on its last step, a percentage flag at or above its last. */
export function atLastStep(flag: Pick<FlagState, 'strategy' | 'step' | 'steps' | 'percentage'>): boolean {
  if (flag.strategy === 'gradual') return flag.step >= flag.steps.length - 1;
  if (flag.strategy === 'percentage') return !flag.steps.some((s) => s > flag.percentage);
  return false;
}

/** One step up the schedule: gradual → step + 1; percentage → the first step above the current percentage. */
export function advancePatch(flag: FlagState & { key: string }): FlagPatch {
  if (flag.strategy === 'gradual') {
    if (atLastStep(flag)) {
      throw new KgdbError('CONFLICT', {
        parameter: 'step',
        detail: `Flag '${flag.key}' is already at its last step (${flag.step}: ${flag.percentage} %)`,
      });
    }
    return { step: flag.step + 1 };
  }
  if (flag.strategy === 'percentage') {
    const next = flag.steps.find((s) => s > flag.percentage);
    if (next === undefined) {
      throw new KgdbError('CONFLICT', {
        parameter: 'percentage',
        detail: `Flag '${flag.key}' is at ${flag.percentage} %, at or above its last step (${flag.steps.join(', ')})`,
      });
    }
    return { percentage: next };
  }
  throw new KgdbError('CONFLICT', {
    parameter: 'strategy',
    detail: `advance applies to gradual and percentage flags; '${flag.key}' has strategy '${flag.strategy}'`,
  });
}

/** The emergency stop: off for everyone, and the split back to 0 % so re-enabling exposes no one by surprise. */
export function disablePatch(flag: Pick<Flag, 'strategy'>): FlagPatch {
  if (flag.strategy === 'gradual') return { enabled: false, step: 0 };
  if (flag.strategy === 'percentage') return { enabled: false, percentage: 0 };
  return { enabled: false };
}

/** The action an event records when the caller names none. */
export function actionFor(patch: FlagPatch): FlagAction {
  const given = PATCH_FIELDS.filter((f) => patch[f] !== undefined);
  if (given.length === 1 && given[0] === 'enabled') return patch.enabled ? 'enable' : 'disable';
  if (given.every((f) => f === 'percentage' || f === 'step')) return 'set_percentage';
  return 'update';
}

export function checkReason(reason: unknown): string | undefined {
  if (reason === undefined || reason === null) return undefined;
  if (typeof reason !== 'string' || reason.length > MAX_TEXT) {
    throw invalid('reason', `reason must be text of at most ${MAX_TEXT} characters`);
  }
  return reason.trim() === '' ? undefined : reason;
}
