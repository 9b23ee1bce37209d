import type { Queryable } from '../db/pool.js';
import { CLASSIFICATION_WEIGHT_SQL, SOURCE_COUNT_SQL } from '../views/defs/evidence-sql.js';
import { factsWithPage, GENE_LIST_COLUMNS, numberedPage, whereClause } from './gene-list-sql.js';
import type { GeneListQuery, GeneRepository } from './gene-repository.js';
import { evidenceColumns } from './gene-rows.js';
import { createSqlGeneRepository } from './sql-gene-repository.js';

/**
 * The "before" code: every request recomputes the DESIGN §4 scoring chain inline from gene_evidence (source
 * counts → classification weights → percent_rank per source → N → per-gene raw/percentage/tier/group), the
 * way upstream's hand-written SQL did, and reads no view. Kept as the control arm of the rollout and as an
 * independent implementation the view chain is checked against; it must return exactly what the view
 * repository returns, floats included, so it adds per-source scores in the same order (byte order of source
 * names) and divides in the same order as gene_scores.
 */

/** The chain as CTEs: `normalized` (one row per scored evidence row) and `scored` (one row per scored gene). */
const SCORE_CTES = `
counts as (
  select ge.id as evidence_id, ge.gene_id, ge.source_name,
         ${SOURCE_COUNT_SQL} as source_count
    from gene_evidence ge
),
weights as (
  select ge.id as evidence_id, ge.gene_id, ge.source_name,
         ${CLASSIFICATION_WEIGHT_SQL} as weight
    from gene_evidence ge
   where ge.source_name in ('GenCC', 'ClinGen')
),
percentiles as (
  select c.evidence_id, c.gene_id, c.source_name,
         (percent_rank() over (partition by c.source_name order by ln(1 + c.source_count::numeric)))::float8
           as percentile
    from counts c
   where c.source_count > 0
),
normalized as (
  select p.evidence_id, p.gene_id, p.source_name, p.percentile as normalized_score
    from percentiles p
   where p.source_name not in ('GenCC', 'ClinGen')
  union all
  select w.evidence_id, w.gene_id, w.source_name, w.weight
    from weights w
),
per_source as (
  select n.gene_id, n.source_name, max(n.normalized_score) as source_score
    from normalized n
   group by n.gene_id, n.source_name
),
active as (
  select count(distinct ps.source_name) as n from per_source ps
),
scored as (
  select x.*,
         (case
            when x.source_count >= 4 and x.percentage_score >= 50 then 'comprehensive_support'
            when x.source_count >= 3 and x.percentage_score >= 35 then 'multi_source_support'
            when x.source_count >= 2 and x.percentage_score >= 20 then 'established_support'
            when x.percentage_score >= 10 then 'preliminary_evidence'
            when x.percentage_score > 0 then 'minimal_evidence'
            else 'no_evidence'
          end) as evidence_tier,
         (case
            when x.source_count >= 2 and x.percentage_score >= 20 then 'well_supported'
            when x.percentage_score > 0 then 'emerging_evidence'
            else 'insufficient'
          end) as evidence_group
    from (
      select ps.gene_id,
             count(*) as source_count,
             sum(ps.source_score order by ps.source_name collate "C") / a.n * 100 as percentage_score,
             jsonb_object_agg(ps.source_name, round(ps.source_score::numeric, 4)) as source_scores,
             array_agg(ps.source_name order by ps.source_name collate "C") as sources
        from per_source ps
       cross join active a
       group by ps.gene_id, a.n
    ) x
)`;

/** Every gene with its scores under gene_list_detailed's column names, so the shared WHERE/ORDER BY apply. */
const GENE_LIST_CTE = `
gene_list as (
  select g.id as gene_id, g.hgnc_id, g.approved_symbol as gene_symbol, g.aliases as alias_symbols,
         g.created_at, g.updated_at,
         s.percentage_score::float8 as evidence_score,
         coalesce(s.source_count, 0)::bigint as evidence_count,
         s.evidence_tier, s.evidence_group,
         coalesce(s.sources, '{}')::text[] as sources,
         (case s.evidence_tier
            when 'comprehensive_support' then 1 when 'multi_source_support' then 2
            when 'established_support' then 3 when 'preliminary_evidence' then 4
            when 'minimal_evidence' then 5 else 999
          end)::integer as tier_order,
         (case s.evidence_group when 'well_supported' then 1 when 'emerging_evidence' then 2 else 999 end)::integer
           as group_order
    from genes g
    left join scored s on s.gene_id = g.id
)`;

const FACTS_CTE = `
facts as (
  select (select count(*) from genes)::bigint as total_genes,
         (select count(*) from scored s where s.percentage_score > 0)::bigint as nonzero_score_genes,
         (select coalesce(max(s.source_count), 0) from scored s)::bigint as max_evidence_count,
         (select coalesce(array_agg(src.source_name order by src.source_name collate "C"), '{}')
            from (select distinct ge.source_name from gene_evidence ge) src)::text[] as available_sources,
         (select jsonb_object_agg(t.evidence_group, t.tiers)
            from (select c.evidence_group, jsonb_object_agg(c.evidence_tier, c.n) as tiers
                    from (select s.evidence_group, s.evidence_tier, count(*) as n
                            from scored s
                           where s.percentage_score > 0
                           group by s.evidence_group, s.evidence_tier) c
                   group by c.evidence_group) t) as evidence_tiers
)`;

/**
 * One statement: the chain once, then the facts, the filtered count and the page (a top-N sort over
 * `filtered`, as upstream ran it).
 */
function listSql(query: GeneListQuery): { text: string; values: unknown[] } {
  const values: unknown[] = [];
  const where = whereClause(query.filters, values);
  const page = numberedPage('filtered', 'true', query, values);
  const facts =
    'select facts.*, (select count(*) from filtered)::int as total, 1::bigint as first_ord from facts';
  const text = `with ${SCORE_CTES},${GENE_LIST_CTE},${FACTS_CTE},
filtered as (select * from gene_list where ${where})
${factsWithPage(facts, page)}`;
  return { text, values };
}

export function createLegacyGeneRepository(db: Queryable): GeneRepository {
  return createSqlGeneRepository(db, {
    list: listSql,
    detail: `with ${SCORE_CTES},${GENE_LIST_CTE}
select ${GENE_LIST_COLUMNS},
       (select s.source_scores from scored s where s.gene_id = gene_list.gene_id) as source_scores
  from gene_list
 where gene_id = $1::bigint`,
    evidence: `with ${SCORE_CTES}
select ${evidenceColumns('coalesce(round(n.normalized_score::numeric, 4)::float8, 0)')}
  from gene_evidence ge
  left join normalized n on n.evidence_id = ge.id
 where ge.gene_id = $1::bigint
 order by ge.source_name collate "C", ge.id`,
  });
}
