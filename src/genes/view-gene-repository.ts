import type { Queryable } from '../db/pool.js';
import {
  factsWithPage,
  GENE_LIST_COLUMNS,
  isUnfiltered,
  LIST_SOURCE_COLUMNS,
  numberedPage,
  whereClause,
} from './gene-list-sql.js';
import type { GeneDetail, GeneEvidence, GeneListQuery, GenePage, GeneRepository } from './gene-repository.js';
import {
  evidenceColumns,
  type ListRow,
  type RawEvidenceRow,
  type RawGeneRow,
  sortedScores,
  splitListRows,
  TARGET_GENE_SQL,
  toEvidenceRow,
  toGeneRow,
} from './gene-rows.js';

/**
 * Reads the declared views: the page from gene_list_detailed (for `evidence_score > 0` the planner drops its
 * no-score branch, and the default sort then walks gene_scores_score_order_idx: ~20 index entries for the
 * first page), the facts from the one-row matview gene_list_stats, and per-gene scores from gene_scores.
 * Everything a matview holds is as of its last refresh.
 */

const FACT_COLUMNS = `st.total_genes, st.nonzero_score_genes, st.max_evidence_count, st.available_sources,
       st.evidence_tiers`;

/**
 * One statement, one round trip to one backend (under CPU contention every extra process wakeup is a
 * scheduling wait): the facts row of gene_list_stats with the filtered total, and the page.
 * - The default request's total (every gene with a score > 0) is a column of gene_list_stats.
 * - A search scans gene_scores whatever else is asked (no index serves a substring), so its matches are
 *   collected once and both counted and paged from there, instead of scanning twice.
 * - Any other request counts its rows and pages through gene_list_detailed, where the sort indexes apply.
 */
export function viewListSql(query: GeneListQuery): { text: string; values: unknown[] } {
  const values: unknown[] = [];
  const where = whereClause(query.filters, values);
  const facts = (total: string) =>
    `select ${FACT_COLUMNS}, ${total}::int as total, 1::bigint as first_ord from gene_list_stats st`;
  if (query.filters.search !== undefined) {
    const page = numberedPage('matched', 'true', query, values);
    const text = `with matched as materialized (select ${LIST_SOURCE_COLUMNS} from gene_list_detailed where ${where})
${factsWithPage(facts('(select count(*) from matched)'), page)}`;
    return { text, values };
  }
  const total =
    query.filters.hideZeroScores && isUnfiltered(query.filters)
      ? 'st.nonzero_score_genes'
      : `(select count(*) from gene_list_detailed where ${where})`;
  return {
    text: factsWithPage(facts(total), numberedPage('gene_list_detailed', where, query, values)),
    values,
  };
}

export function createViewGeneRepository(db: Queryable): GeneRepository {
  async function target(symbol: string): Promise<{ id: number; approved_symbol: string } | undefined> {
    const { rows } = await db.query<{ id: number; approved_symbol: string }>(TARGET_GENE_SQL, [symbol]);
    return rows[0];
  }

  return {
    async list(query: GeneListQuery): Promise<GenePage> {
      const { text, values } = viewListSql(query);
      const { rows } = await db.query<ListRow>(text, values);
      return splitListRows(rows);
    },

    async findBySymbol(symbol: string): Promise<GeneDetail | undefined> {
      const gene = await target(symbol);
      if (!gene) return undefined;
      const { rows } = await db.query<RawGeneRow & { source_scores: Record<string, number> | null }>(
        `select ${GENE_LIST_COLUMNS},
       (select gs.source_scores from gene_scores gs where gs.gene_id = d.gene_id) as source_scores
  from gene_list_detailed d
 where d.gene_id = $1::bigint`,
        [gene.id],
      );
      const row = rows[0];
      if (!row) return undefined;
      // One evidence row per (gene, source): each source's normalized score is its source score.
      const scores = sortedScores(row.source_scores);
      return { ...toGeneRow(row), score_breakdown: scores, source_scores: { ...scores } };
    },

    async evidence(symbol: string): Promise<GeneEvidence | undefined> {
      const gene = await target(symbol);
      if (!gene) return undefined;
      // source_scores holds each scored row's normalized score rounded to 4, so no window over the whole
      // chain runs here (evidence_summary_view would compute percent_rank over every row of the source).
      const { rows } = await db.query<RawEvidenceRow>(
        `select ${evidenceColumns('coalesce((gs.source_scores ->> ge.source_name)::float8, 0)')}
  from gene_evidence ge
  left join gene_scores gs on gs.gene_id = ge.gene_id
 where ge.gene_id = $1::bigint
 order by ge.source_name collate "C", ge.id`,
        [gene.id],
      );
      return { gene_id: gene.id, gene_symbol: gene.approved_symbol, evidence: rows.map(toEvidenceRow) };
    },
  };
}
