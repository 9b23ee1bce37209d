import { describe, expect, it } from 'vitest';
import { compareResults, numbersEqual } from '../../src/rollout/experiments/comparator.js';

const gene = (id: string, score: number | null, extra: Record<string, unknown> = {}) => ({
  id,
  approved_symbol: `G${id}`,
  evidence_score: score,
  sources: ['Literature', 'PanelApp'],
  ...extra,
});

describe('results are row multisets unless order is part of the contract', () => {
  it('the same rows in another order match as a multiset', () => {
    expect(compareResults([gene('1', 10), gene('2', 20)], [gene('2', 20), gene('1', 10)])).toEqual({
      equal: true,
    });
  });

  it('…but not when ordered (a sorted page)', () => {
    const r = compareResults([gene('1', 10), gene('2', 20)], [gene('2', 20), gene('1', 10)], {
      ordered: true,
    });
    expect(r.equal).toBe(false);
    if (!r.equal) expect(r.diff).toContain('rows[0].id: "1" → "2"');
  });

  it('duplicates count: [a, a, b] is not [a, b, b]', () => {
    const a = { id: 1, s: 'A' };
    const b = { id: 2, s: 'B' };
    expect(compareResults([a, a, b], [a, b, b])).toMatchObject({
      equal: false,
      diff: ['rows: missing row {"id":1,"s":"A"}', 'rows: extra row {"id":2,"s":"B"}'],
    });
  });

  it('nested arrays are multisets too unless ordered', () => {
    const a = { rows: [{ id: 1, sources: ['A', 'B'] }] };
    const b = { rows: [{ id: 1, sources: ['B', 'A'] }] };
    expect(compareResults(a, b).equal).toBe(true);
    expect(compareResults(a, b, { ordered: true })).toMatchObject({
      equal: false,
      diff: ['rows[0].sources[0]: "A" → "B"', 'rows[0].sources[1]: "B" → "A"'],
    });
  });
});

describe('floats compare to 6 significant digits', () => {
  it.each([
    [87.5, 87.50004, true],
    [87.5, 87.5001, false],
    [0.123456, 0.1234564, true],
    [0.123456, 0.123457, false],
    [1234567.5, 1234568.2, true],
    [0, 1e-13, true],
    [0, 1e-6, false],
    [-3.25, -3.2500001, true],
    [Number.NaN, Number.NaN, true],
  ])('%s vs %s → %s', (a, b, equal) => {
    expect(numbersEqual(a, b)).toBe(equal);
  });

  it('integers compare exactly (counts and ids are not rounded)', () => {
    expect(numbersEqual(1_000_001, 1_000_002)).toBe(false);
    expect(compareResults({ total: 1_000_001 }, { total: 1_000_002 })).toMatchObject({
      equal: false,
      diff: ['total: 1000001 → 1000002'],
    });
  });

  it('rows whose floats differ beyond rounding noise still match as a multiset', () => {
    expect(
      compareResults([gene('1', 87.5), gene('2', 1 / 3)], [gene('2', 0.33333333), gene('1', 87.500000001)]),
    ).toEqual({
      equal: true,
    });
  });

  it('values on either side of a rounding boundary match (tolerant fallback)', () => {
    // 0.12345649999 rounds to 0.123456, 0.1234565000001 to 0.123457: equal to 6 digits all the same.
    expect(compareResults([{ x: 0.12345649999 }], [{ x: 0.1234565000001 }]).equal).toBe(true);
  });
});

describe('ignored fields', () => {
  it('named fields are skipped at any depth', () => {
    const a = {
      rows: [gene('1', 5, { updated_at: new Date('2024-01-01T00:00:00Z') })],
      meta: { created_at: 'x' },
    };
    const b = {
      rows: [gene('1', 5, { updated_at: new Date('2025-01-01T00:00:00Z') })],
      meta: { created_at: 'y' },
    };
    expect(compareResults(a, b).equal).toBe(false);
    expect(compareResults(a, b, { ignore: ['updated_at', 'created_at'] })).toEqual({ equal: true });
  });

  it('dates compare by instant, undefined fields are absent', () => {
    expect(compareResults({ at: new Date(0), x: undefined }, { at: new Date(0) })).toEqual({ equal: true });
  });
});

describe('readable diffs', () => {
  it('names the row and field of an ordered change: rows[3].evidence_score: 87.5 → 87.6', () => {
    const control = [gene('1', 1), gene('2', 2), gene('3', 3), gene('4', 87.5)];
    const candidate = [gene('1', 1), gene('2', 2), gene('3', 3), gene('4', 87.6)];
    expect(compareResults(control, candidate, { ordered: true })).toMatchObject({
      equal: false,
      diff: ['rows[3].evidence_score: 87.5 → 87.6'],
    });
  });

  it('pairs unordered rows by id and diffs their fields', () => {
    const r = compareResults({ rows: [gene('830', 87.5)] }, { rows: [gene('830', 87.6)] });
    expect(r).toMatchObject({ equal: false, diff: ['rows[id="830"].evidence_score: 87.5 → 87.6'] });
  });

  it('reports missing and extra rows with their content', () => {
    const r = compareResults(
      [
        { id: 1, s: 'A' },
        { id: 2, s: 'B' },
      ],
      [
        { id: 1, s: 'A' },
        { id: 3, s: 'C' },
      ],
    );
    expect(r).toMatchObject({
      equal: false,
      diff: ['rows: missing row {"id":2,"s":"B"}', 'rows: extra row {"id":3,"s":"C"}'],
    });
  });

  it('ordered: missing and extra rows at the end', () => {
    expect(compareResults([1, 2, 3], [1, 2], { ordered: true })).toMatchObject({
      equal: false,
      diff: ['rows[2]: missing row 3'],
    });
  });

  it('absent fields, type changes and nulls', () => {
    expect(compareResults({ a: 1, b: null }, { a: '1', c: 2 })).toMatchObject({
      equal: false,
      diff: ['a: 1 → "1"', 'b: null → (absent)', 'c: (absent) → 2'],
    });
  });

  it('caps the diff and counts the rest', () => {
    const a = Array.from({ length: 30 }, (_, i) => i);
    const b = a.map((i) => i + 100);
    const r = compareResults(a, b, { ordered: true, maxDiffLines: 5 });
    expect(r.equal).toBe(false);
    if (!r.equal) {
      expect(r.diff).toHaveLength(6);
      expect(r.diff[5]).toBe('… and 25 more differences');
    }
  });

  it('long values are truncated', () => {
    const r = compareResults({ x: 'a'.repeat(500) }, { x: 'b' });
    expect(r.equal).toBe(false);
    if (!r.equal) expect(r.diff[0]?.length).toBeLessThan(200);
  });

  it('a scalar result', () => {
    expect(compareResults(1, 2)).toMatchObject({ equal: false, diff: ['result: 1 → 2'] });
    expect(compareResults(undefined, undefined)).toEqual({ equal: true });
  });
});

/** Follows a difference's segments into a value, the way a declared rule reads the row around it. */
const at = (value: unknown, segments: readonly (string | number)[]): unknown =>
  segments.reduce<unknown>((v, s) => (v as Record<string | number, unknown>)[s], value);

describe('structured differences: the same differences as data, for declared rules', () => {
  it('ordered: segments are keys and positions, the readable path is the diff line', () => {
    const control = { rows: [gene('1', 1), gene('2', 87.5)], meta: { score_breakdown: { ClinGen: 3 } } };
    const candidate = { rows: [gene('1', 1), gene('2', 87.6)], meta: { score_breakdown: { ClinGen: 4 } } };
    const r = compareResults(control, candidate, { ordered: true });
    if (r.equal) throw new Error('expected differences');
    expect(r.differences).toEqual([
      {
        path: 'meta.score_breakdown.ClinGen',
        segments: ['meta', 'score_breakdown', 'ClinGen'],
        kind: 'changed',
        control: 3,
        candidate: 4,
      },
      {
        path: 'rows[1].evidence_score',
        segments: ['rows', 1, 'evidence_score'],
        kind: 'changed',
        control: 87.5,
        candidate: 87.6,
      },
    ]);
    expect(r.truncated).toBeUndefined();
    // The row around a difference: everything but the last segment.
    expect(at(control, r.differences[1]?.segments.slice(0, -1) ?? [])).toMatchObject({
      approved_symbol: 'G2',
    });
  });

  it('ordered: rows past the end are missing (control position) or extra (candidate position)', () => {
    const r = compareResults([1, 2, 3], [1, 2], { ordered: true });
    const s = compareResults([1], [1, 5], { ordered: true });
    if (r.equal || s.equal) throw new Error('expected differences');
    expect(r.differences).toEqual([
      { path: 'rows[2]', segments: [2], kind: 'missing', control: 3, candidate: undefined },
    ]);
    expect(s.differences).toEqual([
      { path: 'rows[1]', segments: [1], kind: 'extra', control: undefined, candidate: 5 },
    ]);
  });

  it('unordered: a changed row is addressed by its control position, its candidate twin shares the id', () => {
    const control = { rows: [gene('7', 1), gene('830', 87.5, { source_name: 'ClinGen' })] };
    const candidate = { rows: [gene('830', 87.6, { source_name: 'ClinGen' }), gene('7', 1)] };
    const r = compareResults(control, candidate);
    if (r.equal) throw new Error('expected differences');
    expect(r.diff).toEqual(['rows[id="830"].evidence_score: 87.5 → 87.6']);
    const [d] = r.differences;
    expect(d).toMatchObject({
      path: 'rows[id="830"].evidence_score',
      kind: 'changed',
      segments: ['rows', 1, 'evidence_score'],
    });
    expect(at(control, ['rows', 1, 'source_name'])).toBe('ClinGen');
  });

  it('unordered: a missing row at its control position, an extra row at its candidate position', () => {
    const control = [
      { id: 1, s: 'A' },
      { id: 2, s: 'B' },
    ];
    const candidate = [
      { id: 3, s: 'C' },
      { id: 1, s: 'A' },
    ];
    const r = compareResults(control, candidate);
    if (r.equal) throw new Error('expected differences');
    expect(r.differences).toEqual([
      { path: 'rows', segments: [1], kind: 'missing', control: { id: 2, s: 'B' }, candidate: undefined },
      { path: 'rows', segments: [0], kind: 'extra', control: undefined, candidate: { id: 3, s: 'C' } },
    ]);
    expect(at(control, [1])).toEqual({ id: 2, s: 'B' });
    expect(at(candidate, [0])).toEqual({ id: 3, s: 'C' });
  });

  it('a field on one side only is missing or extra; values are the normalized ones (dates as ISO text)', () => {
    const r = compareResults({ a: new Date(0), b: 1 }, { a: new Date(1000), c: 2 });
    if (r.equal) throw new Error('expected differences');
    expect(r.differences.map((d) => [d.path, d.kind, d.control, d.candidate])).toEqual([
      ['a', 'changed', '1970-01-01T00:00:00.000Z', '1970-01-01T00:00:01.000Z'],
      ['b', 'missing', 1, undefined],
      ['c', 'extra', undefined, 2],
    ]);
  });

  it('capped: the list holds the first maxDifferences and says it is truncated', () => {
    const a = Array.from({ length: 30 }, (_, i) => i);
    const b = a.map((i) => i + 100);
    const r = compareResults(a, b, { ordered: true, maxDiffLines: 5, maxDifferences: 10 });
    if (r.equal) throw new Error('expected differences');
    expect(r.differences).toHaveLength(10);
    expect(r.truncated).toBe(true);
    expect(r.diff).toHaveLength(6);
    const all = compareResults(a, b, { ordered: true, maxDiffLines: 5, maxDifferences: 30 });
    expect(!all.equal && all.differences.length === 30 && all.truncated === undefined).toBe(true);
  });
});
