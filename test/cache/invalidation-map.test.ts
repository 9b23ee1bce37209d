import { describe, expect, it } from 'vitest';
import { CACHE_NAMESPACES } from '../../src/app/caching.js';
import { buildInvalidationMap } from '../../src/cache/invalidation-map.js';
import { geneListKey, symbolKey } from '../../src/genes/gene-cache-keys.js';
import { toGeneListQuery } from '../../src/genes/gene-list-query.js';
import type { GeneListQuerystring } from '../../src/genes/gene-schemas.js';
import { overlapKey } from '../../src/statistics/statistics-cache.js';
import { VIEWS } from '../../src/views/defs/index.js';
import { buildRegistry } from '../../src/views/registry.js';

describe('table → view → namespace closure from the view registry', () => {
  const map = buildInvalidationMap(buildRegistry(VIEWS), CACHE_NAMESPACES);

  it('base tables read live (directly or through plain views) clear the namespaces reading them', () => {
    expect(Object.fromEntries(map.byTable)).toEqual({
      gene_annotations: ['gene_detail', 'gene_list'],
      gene_evidence: ['gene_evidence', 'legacy_gene_facts', 'statistics'],
      genes: ['gene_detail', 'gene_evidence', 'gene_list', 'legacy_gene_facts'],
    });
  });

  it('a matview refresh clears what reads the matview; tables beneath a matview do not', () => {
    expect(Object.fromEntries(map.byMatview)).toEqual({
      gene_list_facets: ['gene_list'],
      gene_list_ranges: ['gene_list'],
      gene_list_stats: ['gene_list', 'gene_list_facts'],
      gene_scores: ['gene_detail', 'gene_evidence', 'gene_list', 'legacy_gene_facts', 'statistics'],
      source_distribution_items: ['statistics'],
      source_overlap_statistics: ['statistics'],
    });
  });

  it('every table read live is a base table of the registry, so apply gives it the change trigger', () => {
    const registry = buildRegistry(VIEWS);
    for (const table of map.tables) expect(registry.baseTables).toContain(table);
  });

  it('a relation that is neither a view nor a triggered base table is an error naming it', () => {
    expect(() =>
      buildInvalidationMap(buildRegistry(VIEWS), [
        { name: 'a', reads: ['gene_list_detailed', 'no_such_view'] },
        { name: 'b', reads: [] },
      ]),
    ).toThrowErrorMatchingInlineSnapshot(`
      [KgdbError: Invalid cache declarations:
      - a: reads 'no_such_view', which is neither a declared view nor a table a declared view reads (no change trigger)
      - b: declares no relations]
    `);
  });
});

describe('cache keys from the validated, normalized request', () => {
  const key = (q: GeneListQuerystring) => geneListKey(toGeneListQuery(q));

  it('parameter order, spelled-out defaults, sort aliases and set order do not matter', () => {
    const plain = key({});
    expect(key({ 'page[number]': 1, 'page[size]': 20, 'filter[hide_zero_scores]': true })).toBe(plain);
    expect(key({ sort: '-evidence_score,approved_symbol' })).toBe(plain);
    expect(key({ sort: '-score,symbol' })).toBe(plain);
    expect(key({ 'filter[tier]': 'minimal_evidence,comprehensive_support', 'filter[ids]': '3,1,2' })).toBe(
      key({ 'filter[ids]': '1,2,3,3', 'filter[tier]': 'comprehensive_support,minimal_evidence' }),
    );
  });

  it('what changes the answer changes the key', () => {
    const plain = key({});
    expect(key({ 'page[number]': 2 })).not.toBe(plain);
    expect(key({ sort: 'approved_symbol,-evidence_score' })).not.toBe(
      key({ sort: '-evidence_score,approved_symbol' }),
    );
    expect(key({ 'filter[search]': 'pkd' })).not.toBe(key({ 'filter[search]': 'PKD1' }));
    expect(key({ 'filter[hide_zero_scores]': false })).not.toBe(plain);
  });

  it('symbols fold ASCII case only; overlap sources are a set', () => {
    expect(symbolKey('pkd1')).toBe(symbolKey('PKD1'));
    expect(symbolKey('ß')).not.toBe(symbolKey('SS'));
    expect(overlapKey({ hideZeroScores: true, detail: false, sources: ['HPO', 'ClinGen'] })).toBe(
      overlapKey({ detail: false, hideZeroScores: true, sources: ['ClinGen', 'HPO'] }),
    );
  });
});
