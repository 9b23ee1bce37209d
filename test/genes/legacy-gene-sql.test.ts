import { describe, expect, it } from 'vitest';
import { toGeneListQuery } from '../../src/genes/gene-list-query.js';
import { parseSort } from '../../src/genes/gene-sort.js';
import { tierCountsOf } from '../../src/genes/legacy/legacy-gene-repository.js';
import {
  LEGACY_FACTS_SQL,
  legacyCountSql,
  legacyOrderBy,
  legacyPageSql,
  likeContains,
} from '../../src/genes/legacy/legacy-gene-sql.js';
import { VIEWS } from '../../src/views/defs/index.js';

/** docs/legacy-arm.md: the legacy gene list is upstream's two statements, on tables and gene_scores only. */
describe('legacy gene list SQL', () => {
  const everything = toGeneListQuery({
    'filter[search]': '50%_off\\',
    'filter[min_score]': 10,
    'filter[max_score]': 90,
    'filter[min_count]': 0,
    'filter[max_count]': 3,
    'filter[source]': 'ClinGen',
    'filter[tier]': 'minimal_evidence,established_support',
    'filter[group]': 'well_supported',
    'filter[ids]': '3,1',
    'page[number]': 3,
    'page[size]': 7,
    sort: '-evidence_tier,hgnc_id',
  });

  it('reads genes, gene_evidence and gene_scores — no other declared view', () => {
    const texts = [legacyCountSql(everything).text, legacyPageSql(everything).text, LEGACY_FACTS_SQL];
    const others = VIEWS.map((v) => v.name).filter((name) => name !== 'gene_scores');
    for (const text of texts) {
      for (const name of others) expect(text).not.toMatch(new RegExp(`\\b${name}\\b`));
      expect(text).toMatch(/\bgene_scores\b/);
    }
  });

  it('binds every value, in order; the page adds limit and offset', () => {
    expect(legacyCountSql(everything).values).toEqual([
      '%50\\%\\_off\\\\%',
      10,
      90,
      0,
      3,
      'ClinGen',
      ['minimal_evidence', 'established_support'],
      'well_supported',
      [3, 1],
    ]);
    const page = legacyPageSql(everything);
    expect(page.values.slice(-2)).toEqual([7, 14]);
    expect(page.text).toMatch(/limit \$10::bigint offset \$11::bigint$/);
    expect(page.text).not.toContain('50%');
  });

  it('sorts DESC NULLS LAST / ASC NULLS FIRST and ends with the id unless the sort names it', () => {
    expect(legacyOrderBy(parseSort('-evidence_tier,hgnc_id'))).toBe(
      'tier_sort desc nulls last, g.hgnc_id asc nulls first, g.id asc',
    );
    expect(legacyOrderBy(parseSort('-id'))).toBe('g.id desc nulls last');
    expect(legacyOrderBy(parseSort(undefined))).toBe(
      'gs.percentage_score desc nulls last, g.approved_symbol asc nulls first, g.id asc',
    );
  });

  it('a search is a literal substring: LIKE metacharacters escaped', () => {
    expect(likeContains('a%b_c\\d')).toBe('%a\\%b\\_c\\\\d%');
  });

  it('tier counts: both groups always, tiers strongest first, zero counts left out, total last', () => {
    const counts = tierCountsOf([
      ['emerging_evidence', 'minimal_evidence', 4],
      ['well_supported', 'established_support', 2],
      ['emerging_evidence', 'preliminary_evidence', 3],
      ['well_supported', 'comprehensive_support', 0],
    ]);
    expect(JSON.stringify(counts)).toBe(
      '{"well_supported":{"established_support":2,"total":2},' +
        '"emerging_evidence":{"preliminary_evidence":3,"minimal_evidence":4,"total":7}}',
    );
  });
});
