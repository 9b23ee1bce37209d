import { describe, expect, it } from 'vitest';
import { compareResults, numbersEqual } from '../../src/rollout/comparator.js';

const gene = (id: string, score: number | null, extra: Record<string, unknown> = {}) => ({
  id,
  approved_symbol: `G${id}`,
  evidence_score: score,
  sources: ['Literature', 'PanelApp'],
  ...extra,
});

describe('DESIGN §6: results are row multisets unless order is part of the contract', () => {
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
    expect(compareResults([a, a, b], [a, b, b])).toEqual({
      equal: false,
      diff: ['rows: missing row {"id":1,"s":"A"}', 'rows: extra row {"id":2,"s":"B"}'],
    });
  });

  it('nested arrays are multisets too unless ordered', () => {
    const a = { rows: [{ id: 1, sources: ['A', 'B'] }] };
    const b = { rows: [{ id: 1, sources: ['B', 'A'] }] };
    expect(compareResults(a, b).equal).toBe(true);
    expect(compareResults(a, b, { ordered: true })).toEqual({
      equal: false,
      diff: ['rows[0].sources[0]: "A" → "B"', 'rows[0].sources[1]: "B" → "A"'],
    });
  });
});

describe('DESIGN §6: floats compare to 6 significant digits', () => {
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
    expect(compareResults({ total: 1_000_001 }, { total: 1_000_002 })).toEqual({
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

describe('DESIGN §6: ignored fields', () => {
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
    expect(compareResults(control, candidate, { ordered: true })).toEqual({
      equal: false,
      diff: ['rows[3].evidence_score: 87.5 → 87.6'],
    });
  });

  it('pairs unordered rows by id and diffs their fields', () => {
    const r = compareResults({ rows: [gene('830', 87.5)] }, { rows: [gene('830', 87.6)] });
    expect(r).toEqual({ equal: false, diff: ['rows[id="830"].evidence_score: 87.5 → 87.6'] });
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
    expect(r).toEqual({
      equal: false,
      diff: ['rows: missing row {"id":2,"s":"B"}', 'rows: extra row {"id":3,"s":"C"}'],
    });
  });

  it('ordered: missing and extra rows at the end', () => {
    expect(compareResults([1, 2, 3], [1, 2], { ordered: true })).toEqual({
      equal: false,
      diff: ['rows[2]: missing row 3'],
    });
  });

  it('absent fields, type changes and nulls', () => {
    expect(compareResults({ a: 1, b: null }, { a: '1', c: 2 })).toEqual({
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
    expect(compareResults(1, 2)).toEqual({ equal: false, diff: ['result: 1 → 2'] });
    expect(compareResults(undefined, undefined)).toEqual({ equal: true });
  });
});
