import { describe, expect, it } from 'vitest';
import { evidenceOf, migrationVerdict } from '../../src/rollout/experiments/shadow-validation.js';
import { noOutcomes } from '../../src/rollout/guard/guard.js';
import { emptyHistogram, observe } from '../../src/rollout/window/rollout-window-histogram.js';
import type { ExperimentTotals } from '../../src/rollout/window/rollout-window-store.js';
import type { Outcome } from '../../src/rollout/window/window-labels.js';

function totals(
  counts: Partial<Record<Outcome, number>>,
  controlMs: number,
  candidateMs: number,
  ignoredByRule: Record<string, number> = {},
): ExperimentTotals[] {
  const n = Object.values(counts).reduce((s, v) => s + (v ?? 0), 0);
  const control = emptyHistogram();
  const candidate = emptyHistogram();
  for (let i = 0; i < n; i++) {
    observe(control, controlMs);
    observe(candidate, candidateMs);
  }
  return [
    {
      experiment: 'gene_list',
      mode: 'ab',
      counts: { ...noOutcomes(), ...counts },
      ignoredByRule,
      controlLatency: control,
      candidateLatency: candidate,
      instances: 1,
    },
  ];
}

const verdict = (t: ExperimentTotals[]) => migrationVerdict([evidenceOf('gene_list', t)]);

describe('validate-migration: match rate ≥ 95 %, no candidate errors, candidate ≤ 1.2× control', () => {
  it('ready when all three hold', () => {
    expect(verdict(totals({ match: 190, mismatch: 10 }, 50, 55))).toMatchObject({ ready: true, reasons: [] });
  });

  it('declared differences count as matches and are reported by rule', () => {
    const v = verdict(totals({ match: 150, ignored: 45, mismatch: 5 }, 50, 50, { literature_rounding: 45 }));
    expect(v).toMatchObject({ ready: true, reasons: [] });
    expect(v.experiments[0]).toMatchObject({
      compared: 200,
      matches: 195,
      ignored: 45,
      ignored_by_rule: { literature_rounding: 45 },
      mismatches: 5,
      match_rate: 0.975,
    });
  });

  it('match rate below 95 %', () => {
    expect(verdict(totals({ match: 189, mismatch: 11 }, 50, 50)).reasons).toEqual([
      'gene_list: match rate 94.50 % < 95 % (11 mismatches)',
    ]);
  });

  it('any candidate error or timeout', () => {
    expect(verdict(totals({ match: 200, candidate_error: 1 }, 50, 50)).reasons).toEqual([
      'gene_list: 1 candidate errors and 0 timeouts (none allowed)',
    ]);
    expect(verdict(totals({ match: 200, timeout: 2 }, 50, 50)).ready).toBe(false);
  });

  it('candidate p50 above 1.2× control p50', () => {
    const v = verdict(totals({ match: 200 }, 10, 25));
    expect(v.ready).toBe(false);
    expect(v.reasons[0]).toMatch(
      /^gene_list: candidate p50 [\d.]+ ms is [\d.]+× control p50 [\d.]+ ms \(> 1\.2×\)$/,
    );
  });

  it('no verdict on no data', () => {
    expect(verdict([]).reasons).toEqual(['gene_list: 0 compared samples < 100 required']);
    expect(migrationVerdict([]).reasons).toEqual(['no experiments registered or recorded']);
  });
});
