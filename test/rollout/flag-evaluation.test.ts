import { describe, expect, it } from 'vitest';
import { bucketFor } from '../../src/rollout/flags/bucketing.js';
import { evaluateFlag, type FlagRules } from '../../src/rollout/flags/flag-evaluation.js';

const flag = (over: Partial<FlagRules> = {}): FlagRules => ({
  key: 'f',
  enabled: true,
  strategy: 'percentage',
  percentage: 50,
  steps: [0, 10, 25, 50, 75, 100],
  step: 0,
  salt: '',
  ...over,
});

describe('evaluateFlag (pure)', () => {
  it('an unknown flag is false with reason error / FLAG_NOT_FOUND', () => {
    expect(evaluateFlag('nope', undefined, { targetingKey: 'user:1' })).toMatchObject({
      value: false,
      reason: 'error',
      errorCode: 'FLAG_NOT_FOUND',
    });
  });

  it('a disabled flag is off for everyone, whatever its strategy', () => {
    for (const strategy of ['on', 'percentage', 'gradual'] as const) {
      const e = evaluateFlag('f', flag({ enabled: false, strategy, percentage: 100, step: 5 }), {
        targetingKey: 'k',
      });
      expect(e).toMatchObject({ value: false, reason: 'disabled', variant: 'off' });
    }
  });

  it('on/off are static', () => {
    expect(evaluateFlag('f', flag({ strategy: 'on' }), {})).toMatchObject({
      value: true,
      reason: 'static',
      percentage: null,
    });
    expect(evaluateFlag('f', flag({ strategy: 'off' }), {})).toMatchObject({
      value: false,
      reason: 'static',
    });
  });

  it('percentage: in when bucket < percentage × 1000', () => {
    const keys = Array.from({ length: 200 }, (_, i) => `user:${i}`);
    for (const targetingKey of keys) {
      const e = evaluateFlag('f', flag({ percentage: 37.5 }), { targetingKey });
      expect(e.bucket).toBe(bucketFor({ key: 'f', salt: '' }, targetingKey));
      expect(e.value).toBe((e.bucket ?? 0) < 37_500);
      expect(e.reason).toBe('split');
    }
  });

  it('gradual: the percentage is steps[step]', () => {
    const e = evaluateFlag('f', flag({ strategy: 'gradual', percentage: 0, step: 3 }), {
      targetingKey: 'user:1',
    });
    expect(e).toMatchObject({ percentage: 50, step: 3, reason: 'split' });
  });

  it('a split between 0 and 100 % without a targeting key is an error answering false', () => {
    expect(evaluateFlag('f', flag(), {})).toMatchObject({
      value: false,
      reason: 'error',
      errorCode: 'TARGETING_KEY_MISSING',
    });
    expect(evaluateFlag('f', flag({ percentage: 100 }), {})).toMatchObject({ value: true, reason: 'split' });
    expect(evaluateFlag('f', flag({ percentage: 0 }), {})).toMatchObject({ value: false, reason: 'split' });
  });
});
