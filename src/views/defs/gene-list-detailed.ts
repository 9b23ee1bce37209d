import type { ViewDef } from '../view-def.js';

/** The classification and the annotation columns, written once for both branches. */
const classification = (pct: string): string =>
  `(case when ${pct} >= 80 then 'High' when ${pct} >= 50 then 'Medium' when ${pct} >= 20 then 'Low'
         else 'Unknown' end)::text`;
const annotationCount = (geneId: string): string =>
  `(select count(*) from gene_annotations ga where ga.gene_id = ${geneId})::bigint`;
const annotationSources = (geneId: string): string =>
  `coalesce((select array_agg(ga.source order by ga.source collate "C")
               from gene_annotations ga where ga.gene_id = ${geneId}), '{}')::text[]`;

/**
 * Every gene, LEFT JOIN gene_scores (docs/data-model.md) — written as the UNION ALL of its two halves:
 *   1. genes with a gene_scores row: every value straight from the matview (which carries the gene attributes);
 *   2. genes without one (anti-join): zeros, 'Unknown', '{}'.
 * Why: in branch 2 evidence_score is a NULL constant, so a filter like `evidence_score > 0` folds to false and the
 * planner drops the branch at plan time; branch 1 is then a plain scan of gene_scores whose ORDER BY matches
 * gene_scores_score_order_idx, so the top 20 by score read ~20 index entries instead of joining and sorting
 * every gene. The annotation columns are scalar subqueries: computed only for rows actually returned, and not
 * at all when a query does not select them.
 *
 * Beyond upstream's columns (all kept, same names and types) the view exposes what the list API needs without
 * another join: evidence_score (percentage, NULL without a gene_scores row, as upstream's API reports it),
 * evidence_count, evidence_tier / evidence_group (NULL without a row) and their sort ranks (upstream: tiers
 * 1–5 and groups 1–2, everything else 999; gene_scores computes them, so its rank indexes serve the sorts).
 *
 * Freshness: branch 1 shows gene attributes as of the last refresh of gene_scores (like the scores themselves);
 * the refresher refreshes gene_scores after writes to genes.
 */
export const geneListDetailed: ViewDef = {
  name: 'gene_list_detailed',
  kind: 'view',
  dependsOn: ['gene_scores', 'genes', 'gene_annotations'],
  sql: `
select gs.gene_id::bigint as gene_id,
       gs.hgnc_id::text as hgnc_id,
       gs.approved_symbol::text as gene_symbol,
       gs.aliases::text[] as alias_symbols,
       gs.raw_score::float8 as total_score,
       gs.percentage_score::float8 as percentage_score,
       ${classification('gs.percentage_score')} as classification,
       gs.source_count::bigint as source_count,
       gs.sources::text[] as sources,
       ${annotationCount('gs.gene_id')} as annotation_count,
       ${annotationSources('gs.gene_id')} as annotation_sources,
       gs.created_at::timestamptz as created_at,
       gs.updated_at::timestamptz as updated_at,
       gs.percentage_score::float8 as evidence_score,
       gs.evidence_count::bigint as evidence_count,
       gs.evidence_tier::text as evidence_tier,
       gs.evidence_group::text as evidence_group,
       gs.tier_order::integer as tier_order,
       gs.group_order::integer as group_order
  from gene_scores gs
union all
select g.id::bigint as gene_id,
       g.hgnc_id::text as hgnc_id,
       g.approved_symbol::text as gene_symbol,
       g.aliases::text[] as alias_symbols,
       0::float8 as total_score,
       0::float8 as percentage_score,
       'Unknown'::text as classification,
       0::bigint as source_count,
       '{}'::text[] as sources,
       ${annotationCount('g.id')} as annotation_count,
       ${annotationSources('g.id')} as annotation_sources,
       g.created_at::timestamptz as created_at,
       g.updated_at::timestamptz as updated_at,
       null::float8 as evidence_score,
       0::bigint as evidence_count,
       null::text as evidence_tier,
       null::text as evidence_group,
       999::integer as tier_order,
       999::integer as group_order
  from genes g
 where not exists (select 1 from gene_scores gs where gs.gene_id = g.id)`,
};
