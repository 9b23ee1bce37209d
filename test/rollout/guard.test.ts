import { describe, expect, it } from 'vitest';
import {
  DEFAULT_GUARD_THRESHOLDS,
  type GuardThresholds,
  guardVerdict,
  nextHealthySince,
  noOutcomes,
  type RolloutState,
  type WindowStats,
} from '../../src/rollout/guard.js';
import { rollbackPatch } from '../../src/rollout/guard-loop.js';
import {
  countAbove,
  emptyHistogram,
  LATENCY_BOUNDS_MS,
  observe,
  quantile,
} from '../../src/rollout/rollout-window-histogram.js';

const NOW = new Date('2025-06-01T12:00:00Z');
const T: GuardThresholds = { ...DEFAULT_GUARD_THRESHOLDS };

function latency(samples: Array<[ms: number, n: number]>): number[] {
  const h = emptyHistogram();
  for (const [ms, n] of samples) for (let i = 0; i < n; i++) observe(h, ms);
  return h;
}

function stats(p: {
  requests?: number;
  errors?: number;
  ms?: Array<[number, number]>;
  shadow?: Partial<ReturnType<typeof noOutcomes>>;
  byRule?: Record<string, number>;
  aa?: { compared: number; mismatch: number } | null;
}): WindowStats {
  const requests = p.requests ?? 0;
  return {
    from: new Date(NOW.getTime() - 60_000),
    to: NOW,
    instances: 2,
    served: { requests, errors: p.errors ?? 0, latency: latency(p.ms ?? [[20, requests]]) },
    shadow: {
      counts: { ...noOutcomes(), ...p.shadow },
      ignoredByRule: p.byRule ?? {},
      candidateLatency: emptyHistogram(),
    },
    aa: p.aa ?? null,
  };
}

const rolling = (p: Partial<RolloutState> = {}): RolloutState => ({
  rolling: true,
  percentage: 10,
  step: 1,
  atLastStep: false,
  autoPromote: true,
  bakeMs: 600_000,
  changedAt: new Date(NOW.getTime() - 3600_000),
  healthySince: new Date(NOW.getTime() - 3600_000),
  ...p,
});

const verdict = (s: WindowStats, r: RolloutState = rolling(), t: GuardThresholds = T) =>
  guardVerdict({ stats: s, rollout: r }, t, NOW);

describe('latency histogram', () => {
  it('has 200 ms as a bound, so "p99 > 200 ms" is exact', () => {
    expect(LATENCY_BOUNDS_MS).toContain(200);
    const h = latency([
      [50, 990],
      [200, 10],
    ]);
    expect(countAbove(h, 200)).toBe(0);
    expect(quantile(h, 0.99)).toBeLessThanOrEqual(200);
    observe(h, 200.001);
    expect(countAbove(h, 200)).toBe(1);
  });

  it('quantiles interpolate inside a bucket and stay above its lower bound', () => {
    const h = latency([[10, 100]]);
    const p50 = quantile(h, 0.5) as number;
    expect(p50).toBeGreaterThan(8);
    expect(p50).toBeLessThanOrEqual(10);
    expect(quantile(emptyHistogram(), 0.5)).toBeNull();
  });
});

describe('DESIGN §6 guard: error rate > 1 % rolls back', () => {
  it('1.0 % exactly holds (healthy), 1.1 % rolls back with the measured values', () => {
    expect(verdict(stats({ requests: 1000, errors: 10 })).kind).toBe('advance');
    const v = verdict(stats({ requests: 1000, errors: 11 }));
    expect(v.kind).toBe('rollback');
    if (v.kind === 'rollback') {
      expect(v.reasons).toEqual(['error rate 1.10 % > 1.00 % (11 of 1000)']);
      expect(v.measured).toMatchObject({
        error_rate: 0.011,
        served_requests: 1000,
        served_errors: 11,
        percentage: 10,
      });
    }
  });

  it('counts candidate errors and timeouts of shadow runs as views-path errors', () => {
    const v = verdict(stats({ requests: 0, shadow: { match: 190, candidate_error: 6, timeout: 4 } }));
    expect(v.kind).toBe('rollback');
    if (v.kind === 'rollback')
      expect(v.measured).toMatchObject({ samples: 200, error_rate: 0.05, candidate_errors: 6, timeouts: 4 });
  });
});

describe('DESIGN §6 guard: p99 > 200 ms rolls back', () => {
  it('p99 at 200 ms holds, p99 above it rolls back', () => {
    expect(
      verdict(
        stats({
          requests: 1000,
          ms: [
            [20, 980],
            [200, 20],
          ],
        }),
      ).kind,
    ).toBe('advance');
    const v = verdict(
      stats({
        requests: 1000,
        ms: [
          [20, 980],
          [240, 20],
        ],
      }),
    );
    expect(v.kind).toBe('rollback');
    if (v.kind === 'rollback') expect(v.reasons[0]).toMatch(/^p99 2\d\d\.\d ms > 200 ms$/);
  });

  it('exactly 1 % of samples above 200 ms keeps p99 at or below 200 ms', () => {
    expect(
      verdict(
        stats({
          requests: 1000,
          ms: [
            [20, 990],
            [300, 10],
          ],
        }),
      ).kind,
    ).toBe('advance');
    expect(
      verdict(
        stats({
          requests: 1000,
          ms: [
            [20, 989],
            [300, 11],
          ],
        }),
      ).kind,
    ).toBe('rollback');
  });
});

describe('DESIGN §6 guard: mismatch rate > 5 % (net of A/A noise) rolls back', () => {
  it('5 % holds, 6 % rolls back', () => {
    expect(verdict(stats({ requests: 100, shadow: { match: 95, mismatch: 5 } })).kind).toBe('advance');
    const v = verdict(stats({ requests: 100, shadow: { match: 94, mismatch: 6 } }));
    expect(v.kind).toBe('rollback');
    if (v.kind === 'rollback') expect(v.reasons).toEqual(['mismatch rate 6.00 % > 5.00 % (6 of 100)']);
  });

  it('subtracts the A/A noise when measured on enough samples', () => {
    const noisy = stats({
      requests: 100,
      shadow: { match: 92, mismatch: 8 },
      aa: { compared: 100, mismatch: 4 },
    });
    const v = verdict(noisy);
    expect(v.kind).toBe('advance');
    expect(v.measured).toMatchObject({
      mismatch_rate: 0.08,
      aa_mismatch_rate: 0.04,
      net_mismatch_rate: 0.04,
    });
  });

  it('ignores A/A noise measured on too few samples', () => {
    const v = verdict(
      stats({ requests: 100, shadow: { match: 92, mismatch: 8 }, aa: { compared: 10, mismatch: 4 } }),
    );
    expect(v.kind).toBe('rollback');
    expect(v.measured.aa_mismatch_rate).toBeNull();
  });

  it('applies only with enough compared shadow runs', () => {
    expect(verdict(stats({ requests: 200, shadow: { match: 10, mismatch: 5 } })).kind).toBe('advance');
  });

  it('ignored mismatches count as agreeing', () => {
    expect(verdict(stats({ requests: 100, shadow: { match: 50, ignored: 50 } })).kind).toBe('advance');
  });

  it('declared differences are reported apart, by rule, and never enter the mismatch rate', () => {
    const v = verdict(
      stats({
        requests: 100,
        shadow: { match: 80, mismatch: 2, ignored: 18 },
        byRule: { literature_rounding: 15, label_added: 5 },
      }),
    );
    expect(v.kind).toBe('advance');
    expect(v.measured).toMatchObject({
      compared: 100,
      mismatches: 2,
      declared_differences: 18,
      declared_by_rule: { literature_rounding: 15, label_added: 5 },
      mismatch_rate: 0.02,
    });
  });

  it('the same runs as undeclared mismatches roll back', () => {
    const v = verdict(stats({ requests: 100, shadow: { match: 80, mismatch: 20 } }));
    expect(v.kind).toBe('rollback');
    if (v.kind === 'rollback') {
      expect(v.reasons).toEqual(['mismatch rate 20.00 % > 5.00 % (20 of 100)']);
      expect(v.measured).toMatchObject({ declared_differences: 0, declared_by_rule: {} });
    }
  });
});

describe('DESIGN §6 guard: too few samples → inconclusive, hold (never promote on no data)', () => {
  it('no data at all holds', () => {
    const v = verdict(stats({ requests: 0 }));
    expect(v).toMatchObject({ kind: 'hold', why: 'too_few_samples', healthy: false });
  });

  it('99 failing requests still hold: the minimum comes first', () => {
    expect(verdict(stats({ requests: 99, errors: 99 }))).toMatchObject({
      kind: 'hold',
      why: 'too_few_samples',
    });
  });

  it('the minimum is configurable', () => {
    expect(verdict(stats({ requests: 20, errors: 5 }), rolling(), { ...T, minSamples: 20 }).kind).toBe(
      'rollback',
    );
  });
});

describe('promotion and holds', () => {
  it('baking: healthy for less than the bake time', () => {
    const v = verdict(stats({ requests: 500 }), rolling({ healthySince: new Date(NOW.getTime() - 60_000) }));
    expect(v).toMatchObject({ kind: 'hold', why: 'baking', healthy: true, remainingMs: 540_000 });
  });

  it('the bake starts no earlier than the flag change', () => {
    const v = verdict(stats({ requests: 500 }), rolling({ changedAt: new Date(NOW.getTime() - 120_000) }));
    expect(v).toMatchObject({ kind: 'hold', why: 'baking', remainingMs: 480_000 });
  });

  it('first healthy verdict starts the bake clock now', () => {
    const v = verdict(stats({ requests: 500 }), rolling({ healthySince: null }));
    expect(v).toMatchObject({ kind: 'hold', why: 'baking', remainingMs: 600_000 });
    expect(nextHealthySince(v, null, NOW)).toEqual(NOW);
  });

  it('advances after the whole bake time', () => {
    expect(verdict(stats({ requests: 500 })).kind).toBe('advance');
  });

  it('auto-promotion off holds healthy', () => {
    expect(verdict(stats({ requests: 500 }), rolling({ autoPromote: false }))).toMatchObject({
      kind: 'hold',
      why: 'auto_promote_off',
      healthy: true,
    });
  });

  it('the last step holds', () => {
    expect(verdict(stats({ requests: 500 }), rolling({ atLastStep: true, percentage: 100 }))).toMatchObject({
      why: 'last_step',
    });
  });

  it("a disabled or static flag is not the guard's to act on", () => {
    expect(verdict(stats({ requests: 500, errors: 500 }), rolling({ rolling: false }))).toMatchObject({
      kind: 'hold',
      why: 'not_rolling',
    });
  });

  it('breaches at 0 % hold (nothing to roll back) and reset the bake', () => {
    const v = verdict(
      stats({ shadow: { match: 100, candidate_error: 20 } }),
      rolling({ percentage: 0, step: 0 }),
    );
    expect(v).toMatchObject({ kind: 'hold', why: 'unhealthy_at_zero', healthy: false });
    expect(nextHealthySince(v, new Date(0), NOW)).toBeNull();
  });

  it('shadow runs alone can promote from 0 % after the bake', () => {
    expect(verdict(stats({ shadow: { match: 200 } }), rolling({ percentage: 0, step: 0 })).kind).toBe(
      'advance',
    );
  });
});

describe('rollback patch', () => {
  it('gradual flags go to step 0, percentage flags to 0 %; auto-promotion is switched off', () => {
    expect(rollbackPatch({ strategy: 'gradual', auto_promote: true })).toEqual({
      step: 0,
      auto_promote: false,
    });
    expect(rollbackPatch({ strategy: 'percentage', auto_promote: false })).toEqual({ percentage: 0 });
  });
});
