import type { GeneListFilters, GeneListQuery, SortField, SortTerm } from '../gene-repository.js';

/**
 * The legacy arm's gene list SQL: a port of upstream's hand-written endpoint (docs/legacy-arm.md), written
 * here and nowhere else. It reads `genes`, `gene_evidence` and the `gene_scores` matview — the relations
 * upstream's endpoint read — and shares no SQL with the views arm, so a defect in either arm's SQL shows up
 * as a mismatch in the experiments instead of hiding in both. Pure: values go into `values` as bound
 * parameters; identifiers come only from LEGACY_SORT_KEYS.
 */

/** Sort field → upstream's ORDER BY expression (tier and group sort by rank: strongest 1.., others 999). */
const LEGACY_SORT_KEYS = {
  id: 'g.id',
  approved_symbol: 'g.approved_symbol',
  hgnc_id: 'g.hgnc_id',
  evidence_score: 'gs.percentage_score',
  evidence_count: 'ea.evidence_count',
  created_at: 'g.created_at',
  updated_at: 'g.updated_at',
  evidence_tier: 'tier_sort',
  evidence_group: 'group_sort',
} as const satisfies Record<SortField, string>;

export interface LegacySql {
  text: string;
  values: unknown[];
}

type Bind = (value: unknown, cast: string) => string;

const binder =
  (values: unknown[]): Bind =>
  (value, cast) => {
    values.push(value);
    return `$${values.length}::${cast}`;
  };

/** `%term%` for ILIKE with `\`, `%` and `_` literal (kgdb fix: upstream passed them through as wildcards). */
export function likeContains(term: string): string {
  let escaped = '';
  for (const ch of term) escaped += ch === '\\' || ch === '%' || ch === '_' ? `\\${ch}` : ch;
  return `%${escaped}%`;
}

/** Upstream's WHERE pieces over `genes g LEFT JOIN gene_scores gs`, ANDed ('true' when there are none). */
function legacyWhere(f: GeneListFilters, bind: Bind): string {
  const parts: string[] = [];
  if (f.search !== undefined) {
    const p = bind(likeContains(f.search), 'text');
    parts.push(
      `(g.approved_symbol ilike ${p} or g.hgnc_id ilike ${p} or gs.evidence_tier ilike ${p} or gs.evidence_group ilike ${p})`,
    );
  }
  if (f.minScore !== undefined) parts.push(`gs.percentage_score >= ${bind(f.minScore, 'float8')}`);
  if (f.maxScore !== undefined) parts.push(`gs.percentage_score <= ${bind(f.maxScore, 'float8')}`);
  // kgdb fix: a gene without a score has 0 sources, so a count bound of 0 keeps it (upstream's NULL dropped it).
  if (f.minCount !== undefined) parts.push(`coalesce(gs.evidence_count, 0) >= ${bind(f.minCount, 'float8')}`);
  if (f.maxCount !== undefined) parts.push(`coalesce(gs.evidence_count, 0) <= ${bind(f.maxCount, 'float8')}`);
  if (f.source !== undefined) {
    parts.push(
      `exists (select 1 from gene_evidence s where s.gene_id = g.id and s.source_name = ${bind(f.source, 'text')})`,
    );
  }
  if (f.tiers !== undefined) parts.push(`gs.evidence_tier = any(${bind(f.tiers, 'text[]')})`);
  if (f.group !== undefined) parts.push(`gs.evidence_group = ${bind(f.group, 'text')}`);
  if (f.ids !== undefined) parts.push(`g.id = any(${bind(f.ids, 'bigint[]')})`);
  if (f.hideZeroScores) parts.push('gs.percentage_score > 0');
  return parts.length > 0 ? parts.join(' and ') : 'true';
}

/** `-field` → DESC NULLS LAST, `field` → ASC NULLS FIRST; then g.id (kgdb fix: upstream had no tie-breaker). */
export function legacyOrderBy(sort: readonly SortTerm[]): string {
  const terms = sort.map(
    ({ field, descending }) =>
      `${LEGACY_SORT_KEYS[field]} ${descending ? 'desc nulls last' : 'asc nulls first'}`,
  );
  if (!sort.some(({ field }) => field === 'id')) terms.push('g.id asc');
  return terms.join(', ');
}

/** Statement 1: how many genes match (upstream's COUNT(DISTINCT g.id) over the same join and WHERE). */
export function legacyCountSql(query: GeneListQuery): LegacySql {
  const values: unknown[] = [];
  const where = legacyWhere(query.filters, binder(values));
  return {
    text: `select count(distinct g.id)::int as total
  from genes g
  left join gene_scores gs on gs.gene_id = g.id
 where ${where}`,
    values,
  };
}

/**
 * Statement 2: the page. Upstream aggregates ALL of gene_evidence per request (evidence_agg) and joins it;
 * that per-request aggregate is the cost the views arm removes, so it stays as it was.
 */
export function legacyPageSql(query: GeneListQuery): LegacySql {
  const values: unknown[] = [];
  const bind = binder(values);
  const where = legacyWhere(query.filters, bind);
  const limit = bind(query.size, 'bigint');
  const offset = bind((query.page - 1) * query.size, 'bigint');
  return {
    text: `with evidence_agg as (
  select e.gene_id, count(*) as evidence_count,
         array_agg(distinct e.source_name order by e.source_name) as sources
    from gene_evidence e
   group by e.gene_id
)
select g.id::text as id, g.hgnc_id, g.approved_symbol, g.aliases, g.created_at, g.updated_at,
       coalesce(ea.evidence_count, 0)::int as evidence_count,
       gs.percentage_score::float8 as evidence_score, gs.evidence_tier, gs.evidence_group,
       coalesce(ea.sources, '{}') as sources,
       case gs.evidence_tier
         when 'comprehensive_support' then 1 when 'multi_source_support' then 2
         when 'established_support' then 3 when 'preliminary_evidence' then 4
         when 'minimal_evidence' then 5 else 999 end as tier_sort,
       case gs.evidence_group when 'well_supported' then 1 when 'emerging_evidence' then 2 else 999 end
         as group_sort
  from genes g
  left join gene_scores gs on gs.gene_id = g.id
  left join evidence_agg ea on ea.gene_id = g.id
 where ${where}
 order by ${legacyOrderBy(query.sort)}
 limit ${limit} offset ${offset}`,
    values,
  };
}

/**
 * The list-wide facts of `meta`, upstream's small queries as one statement. hidden_zero_scores is derived from
 * nonzero_score_genes (kgdb fix: upstream's total_genes − filtered total over-counted under a search).
 */
export const LEGACY_FACTS_SQL = `select
  (select count(*) from genes)::int as total_genes,
  (select count(*) from gene_scores where percentage_score > 0)::int as nonzero_score_genes,
  (select coalesce(max(evidence_count), 0) from gene_scores)::int as max_evidence_count,
  (select coalesce(array_agg(s.source_name order by s.source_name), '{}')
     from (select distinct source_name from gene_evidence) s) as available_sources,
  (select coalesce(jsonb_agg(jsonb_build_array(t.evidence_group, t.evidence_tier, t.n)), '[]')
     from (select evidence_group, evidence_tier, count(*)::int as n
             from gene_scores
            where percentage_score > 0
            group by evidence_group, evidence_tier) t) as tier_counts`;
