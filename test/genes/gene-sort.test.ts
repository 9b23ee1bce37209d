import { describe, expect, it } from 'vitest';
import { KgdbError } from '../../src/errors.js';
import { parseSort } from '../../src/genes/gene-sort.js';

function errorOf(fn: () => unknown): KgdbError {
  try {
    fn();
  } catch (raw) {
    if (raw instanceof KgdbError) return raw;
    throw raw;
  }
  throw new Error('expected a KgdbError');
}

describe('parseSort', () => {
  it('defaults to -evidence_score,approved_symbol when absent or empty', () => {
    const expected = [
      { field: 'evidence_score', descending: true },
      { field: 'approved_symbol', descending: false },
    ];
    expect(parseSort(undefined)).toEqual(expected);
    expect(parseSort('')).toEqual(expected);
    expect(parseSort('  ')).toEqual(expected);
  });

  it('maps the aliases symbol, score and count; - is descending, + (or its decoded space) ascending', () => {
    expect(parseSort('symbol,-score, count,+hgnc_id, evidence_tier')).toEqual([
      { field: 'approved_symbol', descending: false },
      { field: 'evidence_score', descending: true },
      { field: 'evidence_count', descending: false },
      { field: 'hgnc_id', descending: false },
      { field: 'evidence_tier', descending: false },
    ]);
  });

  it('accepts every field of the contract', () => {
    const fields =
      'id,symbol,approved_symbol,hgnc_id,score,evidence_score,count,evidence_count,created_at,updated_at,evidence_tier,evidence_group';
    expect(parseSort(fields)).toHaveLength(12);
    expect(
      parseSort(
        fields
          .split(',')
          .map((f) => `-${f}`)
          .join(','),
      ),
    ).toHaveLength(12);
  });

  it('rejects an unknown field naming sort and listing the allowed names', () => {
    const err = errorOf(() => parseSort('-scroe'));
    expect(err.parameter).toBe('sort');
    expect(err.message).toMatchInlineSnapshot(
      `"Unknown sort field 'scroe' in '-scroe'. Allowed (prefix - for descending): id, symbol, approved_symbol, hgnc_id, score, evidence_score, count, evidence_count, created_at, updated_at, evidence_tier, evidence_group"`,
    );
  });

  it('rejects an empty item and prototype names', () => {
    expect(errorOf(() => parseSort('id,,symbol')).message).toMatch(/^Empty sort field in 'id,,symbol'/);
    expect(errorOf(() => parseSort('-')).message).toMatch(/^Empty sort field/);
    expect(errorOf(() => parseSort('constructor')).parameter).toBe('sort');
    expect(errorOf(() => parseSort('__proto__')).parameter).toBe('sort');
  });
});
