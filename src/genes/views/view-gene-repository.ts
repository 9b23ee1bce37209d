import type { Queryable } from '../../db/pool.js';
import type { GeneListQuery, GeneRepository } from '../gene-repository.js';
import {
  binder,
  factsWithPage,
  GENE_LIST_COLUMNS,
  LIST_SOURCE_COLUMNS,
  numberedPage,
  whereClause,
} from './gene-list-sql.js';
import { precomputedTotal } from './gene-list-total.js';
import { evidenceColumns } from './gene-rows.js';
import { createSqlGeneRepository } from './sql-gene-repository.js';

/**
 * Reads the declared views: the page from gene_list_detailed (for `evidence_score > 0` the planner drops its
 * no-score branch, and the default sort then walks gene_scores_score_order_idx: ~20 index entries for the
 * first page), the facts from the one-row matview gene_list_stats, filtered totals from gene_list_ranges and
 * gene_list_facets, and per-gene scores from gene_scores.
 * Everything a matview holds is as of its last refresh.
 */

const FACT_COLUMNS = `st.total_genes, st.nonzero_score_genes, st.max_evidence_count, st.available_sources,
       st.evidence_tiers`;

/**
 * Filters whose values decide the plan, so their statements are planned per request: a count bound selects
 * from none to all of the genes (walk the sort's index, or collect the few matches first), and a search term
 * shorter than three characters has no trigrams (scan instead of the trigram index).
 */
const planDependsOnValues = ({ filters }: GeneListQuery) =>
  filters.minCount !== undefined || filters.maxCount !== undefined || filters.search !== undefined;

/**
 * One statement, one round trip to one backend (under CPU contention every extra process wakeup is a
 * scheduling wait): the facts row of gene_list_stats with the filtered total, and the page.
 * - The total comes from the list's precomputed facts where one filter decides it (gene-list-total.ts).
 * - A search's matches come from the trigram indexes; they are collected once and both counted and paged
 *   from there, instead of being looked up twice.
 * - Any other request counts its rows and pages through gene_list_detailed, where the sort indexes apply.
 */
export function viewListSql(query: GeneListQuery): { text: string; values: unknown[]; prepared: boolean } {
  const prepared = !planDependsOnValues(query);
  const values: unknown[] = [];
  const where = whereClause(query.filters, values);
  const facts = (total: string) =>
    `select ${FACT_COLUMNS}, ${total}::int as total, 1::bigint as first_ord from gene_list_stats st`;
  if (query.filters.search !== undefined) {
    const page = numberedPage('matched', 'true', query, values);
    const text = `with matched as materialized (select ${LIST_SOURCE_COLUMNS} from gene_list_detailed where ${where})
${factsWithPage(facts('(select count(*) from matched)'), page)}`;
    return { text, values, prepared };
  }
  const total =
    precomputedTotal(query.filters, binder(values)) ??
    `(select count(*) from gene_list_detailed where ${where})`;
  return {
    text: factsWithPage(facts(total), numberedPage('gene_list_detailed', where, query, values)),
    values,
    prepared,
  };
}

export function createViewGeneRepository(db: Queryable): GeneRepository {
  return createSqlGeneRepository(db, {
    list: viewListSql,
    detail: `select ${GENE_LIST_COLUMNS},
       (select gs.source_scores from gene_scores gs where gs.gene_id = d.gene_id) as source_scores
  from gene_list_detailed d
 where d.gene_id = $1::bigint`,
    // source_scores holds each scored row's normalized score rounded to 4, so no window over the whole chain
    // runs here (evidence_summary_view would compute percent_rank over every row of the source).
    evidence: `select ${evidenceColumns('coalesce((gs.source_scores ->> ge.source_name)::float8, 0)')}
  from gene_evidence ge
  left join gene_scores gs on gs.gene_id = ge.gene_id
 where ge.gene_id = $1::bigint
 order by ge.source_name collate "C", ge.id`,
  });
}
