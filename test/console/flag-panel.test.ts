import { describe, expect, it } from 'vitest';
import { DEFAULT_GUARD_THRESHOLDS } from '../../src/config.js';
import { eventChanges, flagPanel } from '../../src/console/flag-panel.js';
import type { Flag, FlagEvent } from '../../src/rollout/flags/flag-types.js';
import type { Verdict } from '../../src/rollout/guard/guard.js';
import type { Measured } from '../../src/rollout/guard/guard-measure.js';
import { verdictRow } from '../../src/rollout/guard/guard-verdict-store.js';

const NOW = new Date('2026-01-01T12:00:00Z');

const flag = (over: Partial<Flag> = {}): Flag => ({
  key: 'rollout',
  description: 'the rollout',
  enabled: true,
  strategy: 'gradual',
  percentage: 10,
  steps: [0, 10, 25, 50, 75, 100],
  step: 1,
  salt: 's',
  auto_promote: true,
  bake_seconds: 600,
  updated_at: new Date('2026-01-01T11:55:00Z'),
  updated_by: 'user:alice',
  version: 7,
  ...over,
});

const event = (over: Partial<FlagEvent>): FlagEvent => ({
  id: 1,
  flag_key: 'rollout',
  at: new Date('2026-01-01T11:55:00Z'),
  actor: 'user:alice',
  action: 'advance',
  old: null,
  new: null,
  reason: null,
  measured: null,
  ...over,
});

const measured = { samples: 40 } as Measured;

describe('eventChanges', () => {
  it('lists the fields a change moved, old → new', () => {
    expect(
      eventChanges({
        old: { step: 1, percentage: 10, salt: 'a' },
        new: { step: 2, percentage: 25, salt: 'b' },
      }),
    ).toEqual([
      { field: 'percentage', from: 10, to: 25 },
      { field: 'step', from: 1, to: 2 },
    ]);
  });

  it('sums up a creation by the state it started in, not every column', () => {
    const created = {
      enabled: true,
      strategy: 'gradual',
      percentage: 0,
      step: 0,
      steps: [0, 100],
      salt: 'x',
    };
    expect(eventChanges({ old: null, new: created })).toEqual([
      { field: 'enabled', from: null, to: true },
      { field: 'strategy', from: null, to: 'gradual' },
      { field: 'percentage', from: null, to: 0 },
    ]);
  });

  it('compares arrays by value', () => {
    expect(eventChanges({ old: { steps: [0, 50, 100] }, new: { steps: [0, 50, 100] } })).toEqual([]);
  });
});

describe('flagPanel', () => {
  it('a gradual flag mid-rollout: its position, the next step and the bake since its last change', () => {
    const panel = flagPanel(flag(), undefined, [], NOW);
    expect(panel).toMatchObject({
      percentage: 10,
      step: 1,
      next: { step: 2, percentage: 25 },
      bake: { since: '2026-01-01T11:55:00.000Z', elapsed_seconds: 300, remaining_seconds: 300 },
      guard: null,
    });
  });

  it('nothing bakes at the last step, at 0 % or while disabled; a disabled flag serves 0 %', () => {
    expect(flagPanel(flag({ step: 5, percentage: 100 }), undefined, [], NOW)).toMatchObject({
      next: null,
      bake: null,
    });
    expect(flagPanel(flag({ step: 0, percentage: 0 }), undefined, [], NOW).bake).toBeNull();
    expect(flagPanel(flag({ enabled: false }), undefined, [], NOW)).toMatchObject({
      percentage: 0,
      bake: null,
    });
  });

  it('a percentage flag has no step and no next step', () => {
    expect(flagPanel(flag({ strategy: 'percentage', percentage: 5 }), undefined, [], NOW)).toMatchObject({
      percentage: 5,
      step: null,
      next: null,
    });
  });

  it('says whether the guard judged the current version of the flag, and how long ago', () => {
    const verdict: Verdict = {
      kind: 'hold',
      why: 'baking',
      healthy: true,
      reasons: [],
      remainingMs: 1000,
      measured,
    };
    const row = verdictRow({
      flagKey: 'rollout',
      at: new Date('2026-01-01T11:59:50Z'),
      instanceId: 'a',
      verdict,
      thresholds: DEFAULT_GUARD_THRESHOLDS,
      acted: null,
      flagVersion: 7,
    });
    expect(flagPanel(flag(), row, [], NOW).guard).toMatchObject({
      current: true,
      age_seconds: 10,
      why: 'baking',
    });
    expect(flagPanel(flag({ version: 8 }), row, [], NOW).guard?.current).toBe(false);
  });

  it('shows events newest first as given, with their changes and reasons', () => {
    const panel = flagPanel(
      flag(),
      undefined,
      [event({ id: 2, old: { step: 1 }, new: { step: 2 }, reason: 'healthy' }), event({ id: 1 })],
      NOW,
    );
    expect(panel.events.map((e) => [e.id, e.reason, e.changes])).toEqual([
      [2, 'healthy', [{ field: 'step', from: 1, to: 2 }]],
      [1, null, []],
    ]);
  });
});

describe('verdictRow', () => {
  const base = {
    flagKey: 'f',
    at: NOW,
    instanceId: 'i',
    thresholds: DEFAULT_GUARD_THRESHOLDS,
    flagVersion: 1,
  };

  it('a rollback keeps its reasons and what the leader did', () => {
    expect(
      verdictRow({ ...base, verdict: { kind: 'rollback', reasons: ['p99'], measured }, acted: 'rollback' }),
    ).toMatchObject({ kind: 'rollback', why: null, healthy: false, reasons: ['p99'], acted: 'rollback' });
  });

  it('an advance is healthy with no reasons; a hold carries its reason and remaining bake', () => {
    expect(verdictRow({ ...base, verdict: { kind: 'advance', measured }, acted: 'advance' })).toMatchObject({
      kind: 'advance',
      healthy: true,
      reasons: [],
      remaining_ms: null,
    });
    expect(
      verdictRow({
        ...base,
        verdict: {
          kind: 'hold',
          why: 'too_few_samples',
          healthy: false,
          reasons: ['40 samples < 100'],
          measured,
        },
        acted: null,
      }),
    ).toMatchObject({
      why: 'too_few_samples',
      healthy: false,
      reasons: ['40 samples < 100'],
      remaining_ms: null,
    });
  });
});
