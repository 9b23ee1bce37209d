import type { ViewDef } from '../view-def.js';

/**
 * kgdb's own: how many genes each value of the gene list's set filters (tier, group, source) selects, so the total
 * of a request filtered on one of them is a lookup instead of a count. `genes` counts every gene_scores row with
 * the value (genes without a row have no tier, group or source and match none), `nonzero_genes` those with
 * percentage_score > 0 (the default list hides the others). Refreshed with gene_scores.
 */
export const geneListFacets: ViewDef = {
  name: 'gene_list_facets',
  kind: 'materialized',
  dependsOn: ['gene_scores'],
  sql: `
with tagged as (
  select 'tier' as facet, gs.evidence_tier as name, gs.percentage_score from gene_scores gs
  union all
  select 'group', gs.evidence_group, gs.percentage_score from gene_scores gs
  union all
  select 'source', src.name, gs.percentage_score from gene_scores gs cross join unnest(gs.sources) as src(name)
)
select t.facet::text as facet,
       t.name::text as name,
       count(*)::bigint as genes,
       (count(*) filter (where t.percentage_score > 0))::bigint as nonzero_genes
  from tagged t
 where t.name is not null
 group by t.facet, t.name`,
  indexes: [{ name: 'gene_list_facets_key', columns: ['facet', 'name'], unique: true }],
  refresh: { concurrently: true },
};
