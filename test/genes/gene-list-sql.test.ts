import { describe, expect, it } from 'vitest';
import { parseSort } from '../../src/genes/gene-sort.js';
import {
  containsPattern,
  numberedPage,
  orderByClause,
  whereClause,
} from '../../src/genes/views/gene-list-sql.js';

describe('gene list SQL builder: whitelisted identifiers, bound values', () => {
  it('escapes LIKE metacharacters so %, _ and \\ match literally', () => {
    expect(containsPattern('50%_a\\b')).toBe('%50\\%\\_a\\\\b%');
    expect(containsPattern('pkd')).toBe('%pkd%');
  });

  it('binds every filter value; no value reaches the SQL text', () => {
    const values: unknown[] = [];
    const where = whereClause(
      {
        search: "x'; drop table genes; --",
        minScore: 1,
        maxScore: 2,
        minCount: 3,
        maxCount: 4,
        source: 'HPO',
        hideZeroScores: true,
        tiers: ['minimal_evidence'],
        group: 'emerging_evidence',
        ids: [7, 8],
      },
      values,
    );
    expect(where).not.toContain('drop table');
    expect(values).toEqual([
      "%x'; drop table genes; --%",
      1,
      2,
      3,
      4,
      'HPO',
      'minimal_evidence',
      'emerging_evidence',
      [7, 8],
    ]);
    expect(where).toMatchInlineSnapshot(`
      "(gene_symbol ilike $1::text or hgnc_id ilike $1::text)
         and evidence_score >= $2::float8
         and evidence_score <= $3::float8
         and evidence_count >= $4::bigint
         and evidence_count <= $5::bigint
         and $6::text = any(sources)
         and evidence_score > 0
         and evidence_tier = $7::text
         and evidence_group = $8::text
         and gene_id = any($9::bigint[])"
    `);
  });

  it('one tier is an equality (the tier index then returns the default order), several an `= any`', () => {
    const values: unknown[] = [];
    expect(
      whereClause({ hideZeroScores: false, tiers: ['minimal_evidence', 'established_support'] }, values),
    ).toBe('evidence_tier = any($1::text[])');
    expect(values).toEqual([['minimal_evidence', 'established_support']]);
  });

  it('count bounds are whole numbers, so the count indexes apply: >= 2.5 is >= 3, <= 2.5 is <= 2', () => {
    const values: unknown[] = [];
    expect(whereClause({ hideZeroScores: false, minCount: 2.5, maxCount: 2.5 }, values)).toBe(
      'evidence_count >= $1::bigint\n   and evidence_count <= $2::bigint',
    );
    expect(values).toEqual([3, 2]);
    const huge: unknown[] = [];
    whereClause({ hideZeroScores: false, minCount: 1e300 }, huge);
    expect(huge).toEqual([2 ** 53]);
  });

  it('search: tier and group names matched up front for an ASCII term, by ILIKE otherwise', () => {
    const values: unknown[] = [];
    expect(whereClause({ hideZeroScores: false, search: 'SUPPORT' }, values)).toBe(
      '(gene_symbol ilike $1::text or hgnc_id ilike $1::text or evidence_tier = any($2::text[]) or evidence_group = any($3::text[]))',
    );
    expect(values).toEqual([
      '%SUPPORT%',
      ['comprehensive_support', 'multi_source_support', 'established_support'],
      ['well_supported'],
    ]);
    const underscore: unknown[] = [];
    whereClause({ hideZeroScores: false, search: '_' }, underscore);
    expect(underscore[1]).toHaveLength(6);
    const other: unknown[] = [];
    expect(whereClause({ hideZeroScores: false, search: 'é' }, other)).toBe(
      '(gene_symbol ilike $1::text or hgnc_id ilike $1::text or evidence_tier ilike $1::text or evidence_group ilike $1::text)',
    );
  });

  it('no filters at all is `true`', () => {
    expect(whereClause({ hideZeroScores: false }, [])).toBe('true');
  });

  it('orders DESC NULLS LAST / ASC NULLS FIRST and ends with the id tie-breaker', () => {
    expect(orderByClause(parseSort(undefined))).toBe(
      'evidence_score desc nulls last, gene_symbol asc nulls first, gene_id asc nulls first',
    );
    expect(orderByClause(parseSort('evidence_tier,-evidence_group'))).toBe(
      'tier_order asc nulls first, group_order desc nulls last, gene_id asc nulls first',
    );
    expect(orderByClause(parseSort('-id,symbol'))).toBe(
      'gene_id desc nulls last, gene_symbol asc nulls first',
    );
  });

  it('pages with bound LIMIT and OFFSET after the filter values', () => {
    const values: unknown[] = [];
    const query = {
      page: 3,
      size: 25,
      filters: { hideZeroScores: true, group: 'well_supported' as const },
      sort: parseSort('id'),
    };
    const where = whereClause(query.filters, values);
    const text = numberedPage('gene_list_detailed', where, query, values);
    expect(values).toEqual(['well_supported', 25, 50]);
    expect(text).toContain('limit $2::bigint offset $3::bigint');
    expect(text).toContain('from gene_list_detailed l');
    // Qualified: the page's own `evidence_count` is an int cast of the column, which no index is on.
    expect(text).toContain('order by l.gene_id asc nulls first');
  });
});
