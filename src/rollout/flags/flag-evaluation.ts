import { bucketFor, inRollout } from './bucketing.js';
import type { Evaluation, EvaluationContext, EvaluationErrorCode, Flag } from './flag-types.js';

/** The columns evaluation reads. */
export type FlagRules = Pick<Flag, 'key' | 'enabled' | 'strategy' | 'percentage' | 'steps' | 'step' | 'salt'>;

/**
 * The percentage a flag is on for: steps[step] for gradual, its percentage for percentage, 0/100 for off/on.
 * The one TypeScript statement of the gradual rule (nextFlagState derives a gradual flag's stored percentage
 * from it); the feature_flags trigger of migration 0005 keeps the same rule for rows changed with plain SQL.
 */
export function effectivePercentage(flag: Pick<Flag, 'strategy' | 'percentage' | 'steps' | 'step'>): number {
  switch (flag.strategy) {
    case 'off':
      return 0;
    case 'on':
      return 100;
    case 'percentage':
      return flag.percentage;
    case 'gradual':
      return flag.steps[flag.step] ?? flag.percentage;
  }
}

export function errorEvaluation(
  key: string,
  errorCode: EvaluationErrorCode,
  errorMessage: string,
): Evaluation {
  return {
    key,
    value: false,
    variant: 'off',
    reason: 'error',
    bucket: null,
    percentage: null,
    step: null,
    errorCode,
    errorMessage,
  };
}

/** The pure rule: a flag (or its absence) and a context in, a decision out. Never throws on a valid row. */
export function evaluateFlag(
  key: string,
  flag: FlagRules | undefined,
  context: EvaluationContext,
): Evaluation {
  if (!flag) return errorEvaluation(key, 'FLAG_NOT_FOUND', `No feature flag '${key}'`);
  const split = flag.strategy === 'percentage' || flag.strategy === 'gradual';
  const percentage = split ? effectivePercentage(flag) : null;
  const step = flag.strategy === 'gradual' ? flag.step : null;
  const base = { key, bucket: null, percentage, step };
  if (!flag.enabled) return { ...base, value: false, variant: 'off', reason: 'disabled' };
  if (!split) {
    const value = flag.strategy === 'on';
    return { ...base, value, variant: value ? 'on' : 'off', reason: 'static' };
  }
  const targetingKey = context.targetingKey;
  if (targetingKey === undefined || targetingKey === '') {
    // 0 % and 100 % need no key; anything between cannot place an anonymous caller consistently.
    if (percentage === 0 || percentage === 100) {
      const value = percentage === 100;
      return { ...base, value, variant: value ? 'on' : 'off', reason: 'split' };
    }
    return {
      ...errorEvaluation(key, 'TARGETING_KEY_MISSING', `Flag '${key}' needs a targeting key`),
      percentage,
      step,
    };
  }
  const bucket = bucketFor(flag, targetingKey);
  const value = inRollout(bucket, percentage ?? 0);
  return { ...base, bucket, value, variant: value ? 'on' : 'off', reason: 'split' };
}
