import type { QueryResultRow } from 'pg';
import type { Queryable } from '../../db/pool.js';
import { createStatementNamer } from '../../db/prepared.js';
import type {
  GeneDetail,
  GeneEvidence,
  GeneListQuery,
  GenePage,
  GeneRepository,
} from '../gene-repository.js';
import {
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
 * Where the legacy and the view repository differ: only their SQL. Each statement returns the shared row
 * shapes of gene-rows.ts, so one skeleton maps them, and the two implementations cannot drift apart in
 * anything but the query.
 */
export interface GeneSql {
  /**
   * The facts row with the filtered total, and the page (ListRow). `prepared`: the best plan of this text is the
   * same for any values, so it runs as a named statement planned once per connection (src/db/prepared.ts).
   */
  list(query: GeneListQuery): { text: string; values: unknown[]; prepared: boolean };
  /** One gene's list columns plus `source_scores`; $1 is the gene id. */
  detail: string;
  /** The gene's evidence rows (RawEvidenceRow), in source order; $1 is the gene id. */
  evidence: string;
}

type DetailRow = RawGeneRow & { source_scores: Record<string, number> | null };

/** Distinct list statements kept prepared per connection (each a plan in every backend of the pool). */
const PREPARED_LIST_SHAPES = 200;

export function createSqlGeneRepository(db: Queryable, sql: GeneSql): GeneRepository {
  const statements = createStatementNamer('kgdb_gene', PREPARED_LIST_SHAPES + 3);
  const run = <R extends QueryResultRow>(text: string, values: unknown[], prepared = true) =>
    db.query<R>({ name: prepared ? statements.nameFor(text) : undefined, text, values });

  async function target(symbol: string): Promise<{ id: number; approved_symbol: string } | undefined> {
    const { rows } = await run<{ id: number; approved_symbol: string }>(TARGET_GENE_SQL, [symbol]);
    return rows[0];
  }

  return {
    async list(query: GeneListQuery): Promise<GenePage> {
      const { text, values, prepared } = sql.list(query);
      const { rows } = await run<ListRow>(text, values, prepared);
      return splitListRows(rows);
    },

    async findBySymbol(symbol: string): Promise<GeneDetail | undefined> {
      const gene = await target(symbol);
      if (!gene) return undefined;
      const row = (await run<DetailRow>(sql.detail, [gene.id])).rows[0];
      if (!row) return undefined;
      // Upstream's score_breakdown: per source, the normalized score rounded to 4 — with one evidence row
      // per (gene, source), each source's normalized score is its source score.
      const scores = sortedScores(row.source_scores);
      return { ...toGeneRow(row), score_breakdown: scores, source_scores: { ...scores } };
    },

    async evidence(symbol: string): Promise<GeneEvidence | undefined> {
      const gene = await target(symbol);
      if (!gene) return undefined;
      const { rows } = await run<RawEvidenceRow>(sql.evidence, [gene.id]);
      return { gene_id: gene.id, gene_symbol: gene.approved_symbol, evidence: rows.map(toEvidenceRow) };
    },
  };
}
