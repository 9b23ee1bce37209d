import { describe, expect, it } from 'vitest';
import { DEFAULT_GUARD_THRESHOLDS } from '../../src/config.js';
import { viewsSummary } from '../../src/metrics/views-summary.js';
import { noOutcomes } from '../../src/rollout/guard/guard.js';
import { emptyHistogram, observe } from '../../src/rollout/window/rollout-window-histogram.js';
import type { ArmTotals, ExperimentTotals } from '../../src/rollout/window/rollout-window-store.js';

const TO = new Date('2025-06-01T12:00:00Z');
const FROM = new Date(TO.getTime() - 60_000);

function histogram(ms: number, n: number): number[] {
  const h = emptyHistogram();
  for (let i = 0; i < n; i++) observe(h, ms);
  return h;
}

const arm = (name: string, p: Partial<ArmTotals> & { ms: number }): ArmTotals => ({
  arm: name,
  requests: 0,
  errors: 0,
  unavailable: 0,
  instances: 2,
  ...p,
  latency: histogram(p.ms, p.requests ?? 0),
});

const experiment: ExperimentTotals = {
  experiment: 'gene_list',
  mode: 'ab',
  counts: { ...noOutcomes(), match: 40, control_error: 2 },
  ignoredByRule: {},
  controlLatency: histogram(90, 42),
  candidateLatency: histogram(45, 40),
  instances: 2,
};

describe("GET /api/admin/metrics/views: the guard's view of the window", () => {
  it("shows database-unavailable responses per arm, and the control's numbers beside the candidate's", () => {
    const summary = viewsSummary({
      flagKey: 'use_database_views',
      arms: { on: 'views', off: 'legacy' },
      flag: undefined,
      minAaSamples: DEFAULT_GUARD_THRESHOLDS.minAaSamples,
      armTotals: [
        arm('views', { requests: 100, errors: 3, unavailable: 2, ms: 40 }),
        arm('legacy', { requests: 900, errors: 9, unavailable: 0, ms: 100 }),
      ],
      experiments: [experiment],
      from: FROM,
      to: TO,
    });
    expect(summary.arms.views).toMatchObject({ requests: 100, errors: 3, unavailable: 2, error_rate: 0.03 });
    expect(summary.arms.legacy).toMatchObject({ requests: 900, errors: 9, unavailable: 0 });
    expect(summary.guard).toMatchObject({
      served_requests: 100,
      served_unavailable: 2,
      database_unavailable: false,
      // 3 errors + 2 unavailable only the views saw, of 100 served + 40 compared candidates.
      failures: 5,
      control_requests: 900,
      control_runs: 42,
      control_failures: 11,
      error_rule: 'relative',
    });
    expect(summary.guard.error_rate).toBeCloseTo(5 / 140, 9);
    expect(summary.guard.control_error_rate).toBeCloseTo(11 / 942, 9);
    expect(summary.guard.p99_ms).toBeLessThan(50);
    expect(summary.guard.control_p99_ms).toBeGreaterThan(80);
    expect(summary.guard.p99_ratio).toBeLessThan(1);
  });
});
