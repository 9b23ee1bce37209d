import { describe, expect, it } from 'vitest';
import { KgdbError } from '../../src/errors.js';
import { parseIds, parseTiers, toGeneListQuery } from '../../src/genes/gene-list-query.js';

function errorOf(fn: () => unknown): { parameter: string | undefined; detail: string } {
  try {
    fn();
  } catch (raw) {
    if (raw instanceof KgdbError) return { parameter: raw.parameter, detail: raw.message };
    throw raw;
  }
  throw new Error('expected a KgdbError');
}

describe('toGeneListQuery (GET /api/genes/ parameters)', () => {
  it('applies the defaults: page 1, 20 rows, zero scores hidden, default sort', () => {
    expect(toGeneListQuery({})).toEqual({
      page: 1,
      size: 20,
      filters: { hideZeroScores: true },
      sort: [
        { field: 'evidence_score', descending: true },
        { field: 'approved_symbol', descending: false },
      ],
    });
  });

  it('carries every filter', () => {
    const q = toGeneListQuery({
      'page[number]': 3,
      'page[size]': 50,
      'filter[search]': '50%_off',
      'filter[min_score]': 10,
      'filter[max_score]': 90.5,
      'filter[min_count]': 1,
      'filter[max_count]': 4,
      'filter[source]': 'ClinGen',
      'filter[hide_zero_scores]': false,
      'filter[tier]': 'minimal_evidence, comprehensive_support,',
      'filter[group]': 'well_supported',
      'filter[ids]': '3, 1,3',
      sort: 'id',
    });
    expect(q).toEqual({
      page: 3,
      size: 50,
      filters: {
        search: '50%_off',
        minScore: 10,
        maxScore: 90.5,
        minCount: 1,
        maxCount: 4,
        source: 'ClinGen',
        hideZeroScores: false,
        tiers: ['minimal_evidence', 'comprehensive_support'],
        group: 'well_supported',
        ids: [3, 1],
      },
      sort: [{ field: 'id', descending: false }],
    });
  });

  it('treats an empty search, tier list or id list as absent (as upstream)', () => {
    expect(
      toGeneListQuery({ 'filter[search]': '', 'filter[tier]': '', 'filter[ids]': ' , ' }).filters,
    ).toEqual({
      hideZeroScores: true,
    });
  });

  it('rejects min > max, naming the min parameter', () => {
    expect(
      errorOf(() => toGeneListQuery({ 'filter[min_score]': 60, 'filter[max_score]': 40 })),
    ).toMatchInlineSnapshot(`
      {
        "detail": "filter[min_score] (60) must not exceed filter[max_score] (40)",
        "parameter": "filter[min_score]",
      }
    `);
    expect(errorOf(() => toGeneListQuery({ 'filter[min_count]': 5, 'filter[max_count]': 2 })).parameter).toBe(
      'filter[min_count]',
    );
  });
});

describe('parseTiers', () => {
  it('rejects an unknown tier (no_evidence included) and lists the five', () => {
    expect(errorOf(() => parseTiers('comprehensive_support,no_evidence,bogus'))).toMatchInlineSnapshot(`
      {
        "detail": "Unknown tier(s) 'no_evidence', 'bogus'. Allowed: comprehensive_support, multi_source_support, established_support, preliminary_evidence, minimal_evidence",
        "parameter": "filter[tier]",
      }
    `);
  });
});

describe('parseIds', () => {
  it('accepts up to 5000 ids', () => {
    const ids = Array.from({ length: 5000 }, (_, i) => i + 1);
    expect(parseIds(ids.join(','))).toHaveLength(5000);
  });

  it('rejects 5001 ids', () => {
    const ids = Array.from({ length: 5001 }, (_, i) => i + 1);
    expect(errorOf(() => parseIds(ids.join(',')))).toMatchInlineSnapshot(`
      {
        "detail": "At most 5000 ids are allowed, got 5001",
        "parameter": "filter[ids]",
      }
    `);
  });

  it('rejects anything but positive whole numbers', () => {
    for (const bad of ['1,x', '0', '-1', '1.5', '1e3', '99999999999999999']) {
      expect(errorOf(() => parseIds(bad)).parameter).toBe('filter[ids]');
    }
    expect(errorOf(() => parseIds('1,abc,2')).detail).toMatchInlineSnapshot(
      `"'abc' is not a gene id: expected a comma list of positive whole numbers"`,
    );
  });
});
