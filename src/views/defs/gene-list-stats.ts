import type { ViewDef } from '../view-def.js';

/**
 * kgdb's own addition to upstream's views: one row of list-wide facts for the gene list's `meta`, refreshed with
 * gene_scores, so a request does not aggregate every gene (or scan all of gene_evidence for the source names)
 * each time.
 * - total_genes: rows of genes at refresh time; nonzero_score_genes: the default request's total
 *   (percentage_score > 0); hidden_zero_scores = total_genes − nonzero_score_genes.
 * - evidence_tiers: upstream's meta shape over genes with percentage_score > 0:
 *   {"well_supported": {tier: n, …, "total": n}, "emerging_evidence": {…, "total": n}}; a tier with no genes
 *   is absent, both groups and their totals are always present.
 * - available_sources: distinct gene_evidence.source_name in byte order (upstream's filter metadata).
 * - min/max of percentage_score and evidence_count over gene_scores; 0 when it is empty.
 * `id` is always 1: the unique index REFRESH … CONCURRENTLY needs.
 */
export const geneListStats: ViewDef = {
  name: 'gene_list_stats',
  kind: 'materialized',
  dependsOn: ['gene_scores', 'genes', 'gene_evidence'],
  sql: `
with agg as (
  select count(*) as scored_genes,
         count(*) filter (where gs.percentage_score > 0) as nonzero_score_genes,
         max(gs.total_active_sources) as total_active_sources,
         min(gs.percentage_score) as min_percentage_score,
         max(gs.percentage_score) as max_percentage_score,
         min(gs.evidence_count) as min_evidence_count,
         max(gs.evidence_count) as max_evidence_count
    from gene_scores gs
),
tier_counts as (
  select gs.evidence_group, gs.evidence_tier, count(*) as n
    from gene_scores gs
   where gs.percentage_score > 0
   group by gs.evidence_group, gs.evidence_tier
),
group_tiers as (
  select grp.name,
         coalesce(jsonb_object_agg(tc.evidence_tier, tc.n) filter (where tc.evidence_tier is not null), '{}')
           || jsonb_build_object('total', coalesce(sum(tc.n), 0)) as tiers
    from (values ('well_supported'), ('emerging_evidence')) as grp(name)
    left join tier_counts tc on tc.evidence_group = grp.name
   group by grp.name
),
gene_total as (
  select count(*) as n from genes g
),
sources as (
  select array_agg(src.source_name order by src.source_name collate "C") as names
    from (select distinct ge.source_name from gene_evidence ge) as src
)
select 1::integer as id,
       gt.n::bigint as total_genes,
       a.scored_genes::bigint as scored_genes,
       a.nonzero_score_genes::bigint as nonzero_score_genes,
       (gt.n - a.nonzero_score_genes)::bigint as hidden_zero_scores,
       coalesce(a.total_active_sources, 0)::bigint as total_active_sources,
       coalesce(a.min_percentage_score, 0)::float8 as min_percentage_score,
       coalesce(a.max_percentage_score, 0)::float8 as max_percentage_score,
       coalesce(a.min_evidence_count, 0)::bigint as min_evidence_count,
       coalesce(a.max_evidence_count, 0)::bigint as max_evidence_count,
       coalesce(s.names, '{}')::text[] as available_sources,
       (select jsonb_object_agg(gtr.name, gtr.tiers) from group_tiers gtr)::jsonb as evidence_tiers
  from agg a
 cross join gene_total gt
 cross join sources s`,
  indexes: [{ name: 'gene_list_stats_id_key', columns: ['id'], unique: true }],
  refresh: { concurrently: true },
};
