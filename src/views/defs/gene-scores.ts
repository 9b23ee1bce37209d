import type { ViewDef } from '../view-def.js';

/**
 * Scoring steps 4–5 (docs/scoring.md), materialized: one row per gene with at least one combined score.
 *
 * Performance: upstream recomputed N (distinct sources in combined_evidence_scores) as a scalar subquery in
 * every expression that needed it, re-running the whole window-function chain each time. Here the chain is
 * read once (`per_source`), N is one aggregate over that CTE, and the tier and group cases reuse one
 * `percentage_score` value.
 *
 * Shape: the row also carries the gene attributes the list shows (symbol, HGNC id, aliases, timestamps, sorted
 * sources) so the API's first page is an index scan on this matview alone; the indexes follow the API's sorts
 * column by column, including NULLS placement, because the planner only uses an index for ORDER BY when both match.
 *
 * Determinism: raw_score sums the per-source scores in source-name order (byte order, COLLATE "C"), so the float
 * result does not depend on the plan; `sources` uses the same order. Anything recomputing these numbers
 * (the legacy repository) must add in the same order and compute raw_score / N * 100 in that order.
 */
export const geneScores: ViewDef = {
  name: 'gene_scores',
  kind: 'materialized',
  dependsOn: ['combined_evidence_scores', 'genes'],
  sql: `
with per_source as (
  select ces.gene_id, ces.source_name, max(ces.normalized_score) as source_score
    from combined_evidence_scores ces
   group by ces.gene_id, ces.source_name
),
active as (
  -- distinct via hashing (a handful of groups), not count(distinct …), which sorts every row
  select count(*) as n from (select distinct ps.source_name from per_source ps) as src
),
per_gene as (
  select ps.gene_id,
         count(*) as source_count,
         sum(ps.source_score order by ps.source_name collate "C") as raw_score,
         jsonb_object_agg(ps.source_name, round(ps.source_score::numeric, 4)) as source_scores,
         array_agg(ps.source_name order by ps.source_name collate "C") as sources
    from per_source ps
   group by ps.gene_id
),
scored as (
  select pg.gene_id, pg.source_count, pg.raw_score, pg.source_scores, pg.sources,
         a.n as total_active_sources,
         pg.raw_score / a.n * 100 as percentage_score
    from per_gene pg
   cross join active a
)
select s.gene_id::bigint as gene_id,
       g.approved_symbol::text as approved_symbol,
       g.hgnc_id::text as hgnc_id,
       g.aliases::text[] as aliases,
       g.created_at::timestamptz as created_at,
       g.updated_at::timestamptz as updated_at,
       s.source_count::bigint as source_count,
       s.source_count::bigint as evidence_count,
       s.raw_score::float8 as raw_score,
       s.percentage_score::float8 as percentage_score,
       s.source_scores::jsonb as source_scores,
       s.total_active_sources::bigint as total_active_sources,
       (case
          when s.source_count >= 4 and s.percentage_score >= 50 then 'comprehensive_support'
          when s.source_count >= 3 and s.percentage_score >= 35 then 'multi_source_support'
          when s.source_count >= 2 and s.percentage_score >= 20 then 'established_support'
          when s.percentage_score >= 10 then 'preliminary_evidence'
          when s.percentage_score > 0 then 'minimal_evidence'
          else 'no_evidence'
        end)::text as evidence_tier,
       (case
          when s.source_count >= 2 and s.percentage_score >= 20 then 'well_supported'
          when s.percentage_score > 0 then 'emerging_evidence'
          else 'insufficient'
        end)::text as evidence_group,
       s.sources::text[] as sources
  from scored s
  join genes g on g.id = s.gene_id`,
  indexes: [
    { name: 'gene_scores_gene_id_key', columns: ['gene_id'], unique: true },
    // The API's default sort: -evidence_score, approved_symbol, id (DESC NULLS LAST / ASC NULLS FIRST).
    // Leading column percentage_score: this is also the index for filters on the score.
    {
      name: 'gene_scores_score_order_idx',
      columns: [
        'percentage_score desc nulls last',
        'approved_symbol asc nulls first',
        'gene_id asc nulls first',
      ],
    },
    {
      name: 'gene_scores_symbol_order_idx',
      columns: ['approved_symbol asc nulls first', 'gene_id asc nulls first'],
    },
    // filter[tier]=x with the default sort reads this in order; leading column evidence_tier serves tier filters.
    {
      name: 'gene_scores_tier_order_idx',
      columns: [
        'evidence_tier',
        'percentage_score desc nulls last',
        'approved_symbol asc nulls first',
        'gene_id asc nulls first',
      ],
    },
  ],
  refresh: { concurrently: true },
};
