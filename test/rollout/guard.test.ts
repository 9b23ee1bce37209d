import { describe, expect, it } from 'vitest';
import { DEFAULT_GUARD_THRESHOLDS } from '../../src/config.js';
import {
  type GuardThresholds,
  guardVerdict,
  HOLD_REASONS,
  nextHealthySince,
  noOutcomes,
  type RolloutState,
} from '../../src/rollout/guard/guard.js';
import { rollbackPatch } from '../../src/rollout/guard/guard-evaluator.js';
import type { WindowStats } from '../../src/rollout/guard/guard-measure.js';
import {
  countAbove,
  emptyHistogram,
  LATENCY_BOUNDS_MS,
  observe,
  quantile,
} from '../../src/rollout/window/rollout-window-histogram.js';

const NOW = new Date('2025-06-01T12:00:00Z');
const T: GuardThresholds = { ...DEFAULT_GUARD_THRESHOLDS };

function latency(samples: Array<[ms: number, n: number]>): number[] {
  const h = emptyHistogram();
  for (const [ms, n] of samples) for (let i = 0; i < n; i++) observe(h, ms);
  return h;
}

type ArmInput = { requests?: number; errors?: number; unavailable?: number; ms?: Array<[number, number]> };

const arm = (a: ArmInput = {}) => ({
  requests: a.requests ?? 0,
  errors: a.errors ?? 0,
  unavailable: a.unavailable ?? 0,
  latency: latency(a.ms ?? [[20, a.requests ?? 0]]),
});

/** The candidate (views) arm at the top level; `control` is the legacy arm; no control unless given. */
function stats(
  p: ArmInput & {
    control?: ArmInput;
    shadow?: Partial<ReturnType<typeof noOutcomes>>;
    byRule?: Record<string, number>;
    /** Durations of the comparisons' candidate and control sides. */
    candidateMs?: Array<[number, number]>;
    controlMs?: Array<[number, number]>;
    aa?: { compared: number; mismatch: number } | null;
  },
): WindowStats {
  return {
    from: new Date(NOW.getTime() - 60_000),
    to: NOW,
    instances: 2,
    served: arm(p),
    control: arm(p.control),
    shadow: {
      counts: { ...noOutcomes(), ...p.shadow },
      ignoredByRule: p.byRule ?? {},
      candidateLatency: latency(p.candidateMs ?? []),
      controlLatency: latency(p.controlMs ?? []),
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

describe("rollout Guard: the error rate is judged against the control's over the same window", () => {
  it("the candidate's rate more than 1 pp above the control's rolls back, with both rates measured", () => {
    const control = { requests: 9000, errors: 225 }; // 2.5 %
    expect(verdict(stats({ requests: 1000, errors: 35, control })).kind).toBe('advance');
    const v = verdict(stats({ requests: 1000, errors: 36, control }));
    expect(v.kind).toBe('rollback');
    if (v.kind === 'rollback') {
      expect(v.reasons).toEqual([
        'error rate 3.60 % − control 2.50 % = 1.10 pp > 1.00 pp (36 of 1000; control 225 of 9000)',
      ]);
      expect(v.measured).toMatchObject({
        error_rate: 0.036,
        control_error_rate: 0.025,
        error_rule: 'relative',
        served_requests: 1000,
        served_errors: 36,
        control_requests: 9000,
        control_errors: 225,
        percentage: 10,
      });
      expect(v.measured.error_rate_delta).toBeCloseTo(0.011, 9);
    }
  });

  it("errors both arms share are not the candidate's: 1.5 % against a control at 1 % is healthy", () => {
    const v = verdict(stats({ requests: 1000, errors: 15, control: { requests: 1000, errors: 10 } }));
    expect(v.kind).toBe('advance');
    expect(v.measured).toMatchObject({ error_rate: 0.015, control_error_rate: 0.01 });
  });

  it('exactly 1 pp worse is not more than 1 pp (no floating-point rollback)', () => {
    expect(verdict(stats({ requests: 1000, errors: 60, control: { requests: 1000, errors: 50 } })).kind).toBe(
      'advance',
    );
  });

  it('counts candidate errors and timeouts of shadow runs as views-path errors; their control side is the control', () => {
    const v = verdict(stats({ requests: 0, shadow: { match: 190, candidate_error: 6, timeout: 4 } }));
    expect(v.kind).toBe('rollback');
    if (v.kind === 'rollback')
      expect(v.measured).toMatchObject({
        samples: 200,
        error_rate: 0.05,
        candidate_errors: 6,
        timeouts: 4,
        control_runs: 200,
        control_error_rate: 0,
      });
  });

  it("at 100 % (no control traffic) the comparisons' control errors are the control's rate", () => {
    const at100 = rolling({ percentage: 100, step: 5, atLastStep: true });
    const failingControl = stats({ requests: 1000, errors: 30, shadow: { match: 90, control_error: 10 } });
    expect(verdict(failingControl, at100)).toMatchObject({ kind: 'hold', why: 'last_step', healthy: true });
    expect(verdict(failingControl, at100).measured).toMatchObject({
      control_requests: 0,
      control_runs: 100,
      control_run_errors: 10,
      control_error_rate: 0.1,
      error_rule: 'relative',
    });
    const healthyControl = stats({ requests: 1000, errors: 30, shadow: { match: 100 } });
    expect(verdict(healthyControl, at100).kind).toBe('rollback');
  });

  it('with no control observation at all, the absolute rule: 1.0 % holds, 1.1 % rolls back', () => {
    expect(verdict(stats({ requests: 1000, errors: 10 })).kind).toBe('advance');
    const v = verdict(stats({ requests: 1000, errors: 11 }));
    expect(v.kind).toBe('rollback');
    if (v.kind === 'rollback') {
      expect(v.reasons).toEqual(['error rate 1.10 % > 1.00 % (11 of 1000; no control observations)']);
      expect(v.measured).toMatchObject({
        error_rate: 0.011,
        control_error_rate: null,
        error_rate_delta: null,
        error_rule: 'absolute',
      });
    }
  });
});

describe("rollout Guard: p99 rolls back only over 200 ms and over 2× the control's p99", () => {
  it('over 200 ms but within 2× the control measured at the same time (load on both arms): healthy', () => {
    const v = verdict(
      stats({
        requests: 1000,
        ms: [[280, 1000]],
        control: { requests: 1000, ms: [[250, 1000]] },
      }),
    );
    expect(v.kind).toBe('advance');
    expect(v.measured.p99_ms).toBeGreaterThan(200);
    expect(v.measured.control_p99_ms).toBeGreaterThan(200);
    expect(v.measured.p99_ratio).toBeGreaterThan(1);
    expect(v.measured.p99_ratio).toBeLessThan(2);
  });

  it('over 200 ms and over 2× the control: rolls back, saying both', () => {
    const v = verdict(
      stats({
        requests: 1000,
        ms: [
          [20, 980],
          [450, 20],
        ],
        control: { requests: 1000, ms: [[100, 1000]] },
      }),
    );
    expect(v.kind).toBe('rollback');
    if (v.kind === 'rollback') {
      expect(v.reasons).toHaveLength(1);
      expect(v.reasons[0]).toMatch(
        /^p99 4\d\d\.\d ms > 200 ms and > 2× the control's \d+\.\d ms \(\d\.\d\d×\)$/,
      );
      expect(v.measured.p99_ratio).toBeGreaterThan(2);
    }
  });

  it('over 2× the control but at or under 200 ms: healthy (the absolute limit still applies)', () => {
    const v = verdict(
      stats({
        requests: 1000,
        ms: [
          [20, 980],
          [200, 20],
        ],
        control: { requests: 1000, ms: [[5, 1000]] },
      }),
    );
    expect(v.kind).toBe('advance');
    expect(v.measured.p99_ratio).toBeGreaterThan(2);
  });

  it("the comparisons' control durations count as the control's latency (at 100 %)", () => {
    const v = verdict(
      stats({ requests: 1000, ms: [[320, 1000]], shadow: { match: 100 }, controlMs: [[300, 100]] }),
      rolling({ percentage: 100, step: 5, atLastStep: true }),
    );
    expect(v).toMatchObject({ kind: 'hold', why: 'last_step', healthy: true });
    expect(v.measured.control_p99_ms).toBeGreaterThan(200);
  });

  it('the multiple is configurable (KGDB_GUARD_MAX_P99_RATIO)', () => {
    const s = stats({ requests: 1000, ms: [[280, 1000]], control: { requests: 1000, ms: [[250, 1000]] } });
    expect(verdict(s, rolling(), { ...T, maxP99Ratio: 1.05 }).kind).toBe('rollback');
  });

  it('no control latency in the window: the p99 alone never rolls back; it holds as inconclusive', () => {
    const v = verdict(stats({ requests: 1000, ms: [[300, 1000]] }));
    expect(v).toMatchObject({
      kind: 'hold',
      why: 'inconclusive: no control latency',
      healthy: false,
      reasons: [
        expect.stringMatching(/^inconclusive: p99 3\d\d\.\d ms > 200 ms with no control latency to compare$/),
      ],
      measured: { control_p99_ms: null, p99_ratio: null },
    });
    expect(nextHealthySince(v, new Date(0), NOW)).toBeNull();
  });

  it('an inconclusive p99 does not shield a breach of another rule', () => {
    const v = verdict(stats({ requests: 1000, errors: 50, ms: [[300, 1000]] }));
    expect(v.kind).toBe('rollback');
    if (v.kind === 'rollback') expect(v.reasons).toHaveLength(1);
  });
});

describe('rollout Guard: a database outage both arms see holds, never rolls back', () => {
  it('HOLD_REASONS names it', () => {
    expect(HOLD_REASONS).toContain('inconclusive: database unavailable');
  });

  it('both arms answered DATABASE_UNAVAILABLE: hold "inconclusive: database unavailable", whatever else broke', () => {
    const v = verdict(
      stats({
        requests: 200,
        unavailable: 150,
        errors: 20,
        ms: [[900, 200]],
        control: { requests: 1800, unavailable: 1300, ms: [[5, 1800]] },
      }),
    );
    expect(v).toMatchObject({
      kind: 'hold',
      why: 'inconclusive: database unavailable',
      healthy: false,
      reasons: ['inconclusive: database unavailable (candidate 150 of 200, control 1300 of 1800)'],
      measured: { database_unavailable: true, served_unavailable: 150, control_unavailable: 1300 },
    });
  });

  it("at 100 %: the serving arm unavailable and the comparisons' control failing too → hold", () => {
    const v = verdict(
      stats({ requests: 500, unavailable: 400, shadow: { match: 5, control_error: 6 } }),
      rolling({ percentage: 100, step: 5, atLastStep: true }),
    );
    expect(v).toMatchObject({
      kind: 'hold',
      why: 'inconclusive: database unavailable',
      reasons: ['inconclusive: database unavailable (candidate 400 of 500, control runs failed 6 of 11)'],
    });
  });

  it('no control observation at all: the outage cannot be blamed on the candidate → hold', () => {
    expect(verdict(stats({ requests: 500, unavailable: 400 }))).toMatchObject({
      kind: 'hold',
      why: 'inconclusive: database unavailable',
      reasons: ['inconclusive: database unavailable (candidate 400 of 500, no control observations)'],
    });
  });

  it('unavailability only the candidate saw, beside a healthy control, is its own error: rollback', () => {
    const v = verdict(stats({ requests: 1000, unavailable: 50, control: { requests: 9000 } }));
    expect(v.kind).toBe('rollback');
    expect(v.measured).toMatchObject({ database_unavailable: false, error_rate: 0.05, failures: 50 });
  });

  it('unavailability only the control saw counts against the control', () => {
    const v = verdict(stats({ requests: 1000, errors: 20, control: { requests: 1000, unavailable: 20 } }));
    expect(v.kind).toBe('advance');
    expect(v.measured).toMatchObject({ database_unavailable: false, control_failures: 20 });
  });
});

describe('rollout Guard: a mismatch rate > 5 % (net of A/A noise) rolls back', () => {
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

describe('rollout Guard: too few samples → inconclusive, hold (never promote on no data)', () => {
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
