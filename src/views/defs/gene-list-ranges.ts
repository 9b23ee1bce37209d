import type { ViewDef } from '../view-def.js';

/**
 * kgdb's own: the distributions of the gene list's range filters, so the total of a request filtered on one range
 * is two index probes instead of counting every matching gene. One row per (dimension, distinct value) with the
 * number of genes below it and up to it:
 * - `score`: percentage_score of every gene_scores row (genes without a row have no score and match no score filter);
 * - `count`: evidence_count of every gene, 0 for genes without a gene_scores row (as gene_list_detailed shows them);
 * - `count_nonzero`: evidence_count of the genes with percentage_score > 0 (the default list hides the others).
 * #(x ≤ v) is `upto` of the greatest value ≤ v, #(x < v) is `below` of the least value ≥ v: exact, O(log n) on the
 * unique index. Refreshed with gene_scores.
 */
export const geneListRanges: ViewDef = {
  name: 'gene_list_ranges',
  kind: 'materialized',
  dependsOn: ['gene_scores', 'genes'],
  sql: `
with points as (
  select 'score' as dimension, gs.percentage_score as value from gene_scores gs
  union all
  select 'count', gs.evidence_count::float8 from gene_scores gs
  union all
  select 'count', 0::float8 from genes g where not exists (select 1 from gene_scores gs where gs.gene_id = g.id)
  union all
  select 'count_nonzero', gs.evidence_count::float8 from gene_scores gs where gs.percentage_score > 0
),
tallies as (
  select p.dimension, p.value, count(*) as n
    from points p
   where p.value is not null
   group by p.dimension, p.value
)
select t.dimension::text as dimension,
       t.value::float8 as value,
       (sum(t.n) over w - t.n)::bigint as below,
       (sum(t.n) over w)::bigint as upto
  from tallies t
window w as (partition by t.dimension order by t.value rows between unbounded preceding and current row)`,
  indexes: [{ name: 'gene_list_ranges_key', columns: ['dimension', 'value'], unique: true }],
  refresh: { concurrently: true },
};
