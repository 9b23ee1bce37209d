import { describe, expect, it } from 'vitest';
import { compareResults } from '../../src/rollout/experiments/comparator.js';
import type { DifferenceRule } from '../../src/rollout/experiments/difference-rules.js';
import { classify } from '../../src/rollout/experiments/experiment-outcome.js';
import type { Observation } from '../../src/rollout/experiments/experiment-types.js';

type Row = { id: number; source_name: string; score: number; label?: string };
type Page = { rows: Row[] };

const ok = (arm: Observation['arm'], value: unknown): Observation => ({ arm, ms: 1, ok: true, value });

/** Scores of Literature rows are rounded differently by the new path: known and harmless. */
const literatureRounding: DifferenceRule<Page> = {
  name: 'literature_rounding',
  description: 'the views round Literature scores to 2 digits',
  explains: (d, control) =>
    d.kind === 'changed' &&
    d.segments.at(-1) === 'score' &&
    control.rows[d.segments[1] as number]?.source_name === 'Literature',
};
const labelAdded: DifferenceRule<Page> = {
  name: 'label_added',
  description: 'the views add a label field',
  explains: (d) => d.kind === 'extra' && d.segments.at(-1) === 'label',
};

const control: Page = {
  rows: [
    { id: 1, source_name: 'ClinGen', score: 10 },
    { id: 2, source_name: 'Literature', score: 4.56789 },
  ],
};

function run(candidate: Page, rules: readonly DifferenceRule<Page>[], maxDifferences?: number) {
  return classify({
    control: ok('control', control),
    candidate: ok('candidate', candidate),
    timeoutMs: 100,
    compare: (a, b) => compareResults(a, b, { maxDifferences }),
    rules: rules as readonly DifferenceRule<unknown>[],
  });
}

describe('declared differences: named rules instead of an unnamed ignore predicate', () => {
  it('every difference explained → ignored, with the explaining rules sorted and the diff kept', () => {
    const candidate: Page = {
      rows: [
        { id: 2, source_name: 'Literature', score: 4.57, label: 'x' },
        { id: 1, source_name: 'ClinGen', score: 10 },
      ],
    };
    const r = run(candidate, [literatureRounding, labelAdded]);
    expect(r).toEqual({
      outcome: 'ignored',
      rules: ['label_added', 'literature_rounding'],
      diff: ['rows[id=2].label: (absent) → "x"', 'rows[id=2].score: 4.56789 → 4.57'],
    });
  });

  it('only the rules that explained something are named', () => {
    const candidate: Page = {
      rows: [control.rows[0] as Row, { id: 2, source_name: 'Literature', score: 4.57 }],
    };
    expect(run(candidate, [labelAdded, literatureRounding])).toMatchObject({
      outcome: 'ignored',
      rules: ['literature_rounding'],
    });
  });

  it('one unexplained difference → mismatch, no rules', () => {
    const candidate: Page = {
      rows: [
        { id: 1, source_name: 'ClinGen', score: 11 },
        { id: 2, source_name: 'Literature', score: 4.57 },
      ],
    };
    expect(run(candidate, [literatureRounding])).toEqual({
      outcome: 'mismatch',
      rules: [],
      diff: ['rows[id=1].score: 10 → 11', 'rows[id=2].score: 4.56789 → 4.57'],
    });
  });

  it('a rule that throws → mismatch whose diff names the rule', () => {
    const broken: DifferenceRule<Page> = {
      name: 'broken',
      description: 'reads a field that is not there',
      explains: () => {
        throw new Error('no such field');
      },
    };
    const candidate: Page = {
      rows: [control.rows[0] as Row, { id: 2, source_name: 'Literature', score: 4.57 }],
    };
    expect(run(candidate, [literatureRounding, broken])).toEqual({
      outcome: 'mismatch',
      rules: [],
      diff: ['rows[id=2].score: 4.56789 → 4.57', "rule 'broken' failed: no such field"],
    });
  });

  it('a truncated list of differences is never explained', () => {
    const rows = (score: number): Page => ({
      rows: Array.from({ length: 5 }, (_, i) => ({ id: i, source_name: 'Literature', score: score + i / 3 })),
    });
    const everything: DifferenceRule<Page> = { name: 'everything', description: 'all', explains: () => true };
    const compare = (maxDifferences: number) =>
      classify({
        control: ok('control', rows(1)),
        candidate: ok('candidate', rows(2)),
        timeoutMs: 100,
        compare: (a, b) => compareResults(a, b, { maxDifferences }),
        rules: [everything] as readonly DifferenceRule<unknown>[],
      }).outcome;
    expect(compare(5)).toBe('ignored');
    expect(compare(4)).toBe('mismatch');
  });

  it('no rules, or a custom comparator that lists no differences → mismatch', () => {
    const candidate: Page = {
      rows: [control.rows[0] as Row, { id: 2, source_name: 'Literature', score: 4.57 }],
    };
    expect(run(candidate, []).outcome).toBe('mismatch');
    const opaque = classify({
      control: ok('control', 1),
      candidate: ok('candidate', 2),
      timeoutMs: 100,
      compare: () => ({ equal: false, diff: ['different'], differences: [] }),
      rules: [{ name: 'any', description: 'any', explains: () => true }],
    });
    expect(opaque).toEqual({ outcome: 'mismatch', rules: [], diff: ['different'] });
  });
});
