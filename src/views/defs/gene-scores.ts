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
),
tiered as (
  select s.*,
         case
           when s.source_count >= 4 and s.percentage_score >= 50 then 'comprehensive_support'
           when s.source_count >= 3 and s.percentage_score >= 35 then 'multi_source_support'
           when s.source_count >= 2 and s.percentage_score >= 20 then 'established_support'
           when s.percentage_score >= 10 then 'preliminary_evidence'
           when s.percentage_score > 0 then 'minimal_evidence'
           else 'no_evidence'
         end as evidence_tier,
         case
           when s.source_count >= 2 and s.percentage_score >= 20 then 'well_supported'
           when s.percentage_score > 0 then 'emerging_evidence'
           else 'insufficient'
         end as evidence_group
    from scored s
)
select t.gene_id::bigint as gene_id,
       g.approved_symbol::text as approved_symbol,
       g.hgnc_id::text as hgnc_id,
       g.aliases::text[] as aliases,
       g.created_at::timestamptz as created_at,
       g.updated_at::timestamptz as updated_at,
       t.source_count::bigint as source_count,
       t.source_count::bigint as evidence_count,
       t.raw_score::float8 as raw_score,
       t.percentage_score::float8 as percentage_score,
       t.source_scores::jsonb as source_scores,
       t.total_active_sources::bigint as total_active_sources,
       t.evidence_tier::text as evidence_tier,
       t.evidence_group::text as evidence_group,
       t.sources::text[] as sources,
       (case t.evidence_tier
          when 'comprehensive_support' then 1 when 'multi_source_support' then 2
          when 'established_support' then 3 when 'preliminary_evidence' then 4
          when 'minimal_evidence' then 5 else 999
        end)::integer as tier_order,
       (case t.evidence_group when 'well_supported' then 1 when 'emerging_evidence' then 2 else 999 end)::integer
         as group_order
  from tiered t
  join genes g on g.id = t.gene_id`,
  indexes: [
    // ASC NULLS FIRST like every other sort column, so it is also the index of sort=id (forwards) and sort=-id
    // (backwards): the matview's columns carry no NOT NULL, so the planner cannot ignore the NULLS placement.
    { name: 'gene_scores_gene_id_key', columns: ['gene_id asc nulls first'], unique: true },
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
    // filter[tier] / filter[group] with the default sort read these in order (a rare tier or group would otherwise
    // be looked for through the whole score index); the leading column serves the filter with any other sort.
    ...(['evidence_tier', 'evidence_group'] as const).map((column) => ({
      name: `gene_scores_${column.replace('evidence_', '')}_order_idx`,
      columns: [
        column,
        'percentage_score desc nulls last',
        'approved_symbol asc nulls first',
        'gene_id asc nulls first',
      ],
    })),
    // The other sorts, each with the tie-breaker gene_id. A backward scan serves the reverse direction only up to
    // the tie-breaker (gene_id then runs descending): for the HGNC id, nearly unique, an incremental sort fixes
    // ties within a few rows. The count and the ranks have a handful of values, and a bulk import gives thousands
    // of genes one created_at, so their descending sorts get an index of their own instead of sorting a whole
    // tie group.
    ...(
      [
        ['hgnc', 'hgnc_id', 'asc'],
        ['count', 'evidence_count', 'both'],
        ['created', 'created_at', 'both'],
        ['updated', 'updated_at', 'both'],
        ['tier_rank', 'tier_order', 'both'],
        ['group_rank', 'group_order', 'both'],
      ] as const
    ).flatMap(([name, column, directions]) => [
      {
        name: `gene_scores_${name}_asc_idx`,
        columns: [`${column} asc nulls first`, 'gene_id asc nulls first'],
      },
      ...(directions === 'both'
        ? [
            {
              name: `gene_scores_${name}_desc_idx`,
              columns: [`${column} desc nulls last`, 'gene_id asc nulls first'],
            },
          ]
        : []),
    ]),
    // filter[search]: substring matches on symbol and HGNC id (ILIKE '%term%') from trigrams instead of a scan.
    { name: 'gene_scores_symbol_trgm_idx', columns: ['approved_symbol gin_trgm_ops'], method: 'gin' },
    { name: 'gene_scores_hgnc_trgm_idx', columns: ['hgnc_id gin_trgm_ops'], method: 'gin' },
  ],
  refresh: { concurrently: true },
};
