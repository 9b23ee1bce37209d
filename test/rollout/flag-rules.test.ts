import { describe, expect, it } from 'vitest';
import { KgdbError } from '../../src/errors.js';
import {
  actionFor,
  advancePatch,
  atLastStep,
  disablePatch,
  type FlagState,
  nextFlagState,
  unknownFields,
} from '../../src/rollout/flags/flag-rules.js';
import type { FlagPatch } from '../../src/rollout/flags/flag-types.js';

const gradual: FlagState & { key: string } = {
  key: 'use_database_views',
  enabled: true,
  strategy: 'gradual',
  percentage: 10,
  steps: [0, 10, 25, 50, 75, 100],
  step: 1,
  auto_promote: false,
  bake_seconds: 600,
  description: '',
};
const pct: FlagState & { key: string } = {
  ...gradual,
  key: 'enable_shadow_testing',
  strategy: 'percentage',
  percentage: 5,
  step: 0,
};

function errorOf(fn: () => unknown): { parameter: string | undefined; message: string; code: string } {
  try {
    fn();
  } catch (raw) {
    const err = raw as KgdbError;
    expect(err).toBeInstanceOf(KgdbError);
    return { parameter: err.parameter, message: err.message, code: err.code };
  }
  throw new Error('expected a KgdbError');
}

const reject = (current: FlagState, patch: FlagPatch) => errorOf(() => nextFlagState(current, patch));

describe('patch validation names the field and the allowed range', () => {
  it('percentage: 0..100 with at most 3 decimals', () => {
    expect(reject(pct, { percentage: 150 })).toMatchInlineSnapshot(`
      {
        "code": "INVALID_PARAMETER",
        "message": "percentage must be a number from 0 to 100 with at most 3 decimals, got 150",
        "parameter": "percentage",
      }
    `);
    expect(reject(pct, { percentage: 1.0005 }).parameter).toBe('percentage');
    expect(reject(pct, { percentage: -1 }).parameter).toBe('percentage');
    expect(nextFlagState(pct, { percentage: 12.345 }).percentage).toBe(12.345);
  });

  it('step: within the steps, gradual flags only', () => {
    expect(reject(gradual, { step: 6 })).toMatchInlineSnapshot(`
      {
        "code": "INVALID_PARAMETER",
        "message": "step must be an integer in 0..5 (steps 0, 10, 25, 50, 75, 100), got 6",
        "parameter": "step",
      }
    `);
    expect(reject(pct, { step: 1 }).message).toBe(
      "step applies to gradual flags; this flag's strategy is 'percentage'",
    );
  });

  it('a gradual percentage must be one of the steps, and maps to that step', () => {
    expect(nextFlagState(gradual, { percentage: 50 })).toMatchObject({ step: 3, percentage: 50 });
    expect(reject(gradual, { percentage: 30 }).message).toContain(
      'must be one of its steps 0, 10, 25, 50, 75, 100, got 30',
    );
    expect(reject(gradual, { step: 2, percentage: 50 }).message).toBe(
      'percentage 50 contradicts step 2 (25 %)',
    );
    expect(nextFlagState(gradual, { step: 4 })).toMatchObject({ step: 4, percentage: 75 });
  });

  it('steps: ascending percentages starting at 0', () => {
    expect(reject(gradual, { steps: [0, 50, 20] }).message).toMatchInlineSnapshot(
      `"steps must be 1..20 ascending percentages (0..100, at most 3 decimals) starting at 0, got [0,50,20]"`,
    );
    expect(reject(gradual, { steps: [5, 50] }).parameter).toBe('steps');
    expect(reject(gradual, { steps: [0, 101] }).parameter).toBe('steps[1]');
    expect(nextFlagState(gradual, { steps: [0, 50] })).toMatchObject({ step: 1, percentage: 50 });
    expect(reject({ ...gradual, step: 4 }, { steps: [0, 50] }).parameter).toBe('step');
  });

  it('switching into gradual never raises exposure: highest step at or below the percentage', () => {
    expect(nextFlagState({ ...pct, percentage: 30 }, { strategy: 'gradual' })).toMatchObject({
      step: 2,
      percentage: 25,
    });
    expect(nextFlagState(gradual, { strategy: 'percentage' })).toMatchObject({ percentage: 10 });
  });

  it('percentage and step do not apply to on/off flags; an empty patch is refused', () => {
    expect(reject({ ...pct, strategy: 'on' }, { percentage: 5 }).parameter).toBe('percentage');
    expect(reject(pct, {}).message).toContain('Nothing to change');
    expect(reject(pct, { strategy: 'sometimes' as never }).message).toBe(
      'strategy must be one of off, on, percentage, gradual, got sometimes',
    );
    expect(reject(pct, { bake_seconds: -1 }).parameter).toBe('bake_seconds');
  });

  it('lists every unknown body field', () => {
    expect(unknownFields({ enabled: true, pct: 1, foo: 2 }, ['enabled'])).toEqual(['pct', 'foo']);
  });
});

describe('advance, disable and the recorded action', () => {
  it('gradual: one step up; 409 at the last step', () => {
    expect(advancePatch(gradual)).toEqual({ step: 2 });
    expect(errorOf(() => advancePatch({ ...gradual, step: 5, percentage: 100 }))).toMatchObject({
      code: 'CONFLICT',
    });
  });

  it('percentage: to the first step above the current percentage', () => {
    expect(advancePatch({ ...pct, percentage: 12 })).toEqual({ percentage: 25 });
    expect(errorOf(() => advancePatch({ ...pct, percentage: 100 })).code).toBe('CONFLICT');
    expect(errorOf(() => advancePatch({ ...pct, strategy: 'on' })).parameter).toBe('strategy');
  });

  it('atLastStep: nowhere to advance (the CLI then changes nothing, the API answers 409)', () => {
    expect(atLastStep(gradual)).toBe(false);
    expect(atLastStep({ ...gradual, step: 5 })).toBe(true);
    expect(atLastStep({ ...pct, percentage: 75 })).toBe(false);
    expect(atLastStep({ ...pct, percentage: 100 })).toBe(true);
    // On/off flags have no schedule: advance refuses them for that reason, not as "done".
    expect(atLastStep({ ...pct, strategy: 'on' })).toBe(false);
  });

  it('the emergency stop returns the split to 0 %', () => {
    expect(disablePatch(gradual)).toEqual({ enabled: false, step: 0 });
    expect(disablePatch(pct)).toEqual({ enabled: false, percentage: 0 });
    expect(disablePatch({ strategy: 'on' })).toEqual({ enabled: false });
  });

  it('derives the action from the patch', () => {
    expect(actionFor({ enabled: true })).toBe('enable');
    expect(actionFor({ enabled: false })).toBe('disable');
    expect(actionFor({ percentage: 3 })).toBe('set_percentage');
    expect(actionFor({ percentage: 3, enabled: true })).toBe('update');
  });
});
