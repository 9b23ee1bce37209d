import type { Pool, PoolClient } from '../../db/pool.js';
import { streamRows } from '../../db/row-stream.js';
import type { GeneListQuery, GeneRow } from '../gene-repository.js';
import { GENE_LIST_COLUMNS, orderByClause, whereClause } from '../views/gene-list-sql.js';
import { type RawGeneRow, toGeneRow } from '../views/gene-rows.js';

/** Every gene the list's filters match, in the list's order (the views arm's SQL), without pages. */
export function geneExportSql(query: Pick<GeneListQuery, 'filters' | 'sort'>): {
  text: string;
  values: unknown[];
} {
  const values: unknown[] = [];
  const where = whereClause(query.filters, values);
  // Qualified ORDER BY: unqualified, evidence_count would be the int cast of the select list (as in numberedPage).
  const text = `select ${GENE_LIST_COLUMNS}
  from gene_list_detailed l
 where ${where}
 order by ${orderByClause(query.sort, 'l.')}`;
  return { text, values };
}

/** The matching genes as the list shows them, through a cursor: memory holds one batch. */
export async function* geneExportRows(
  db: Pool | PoolClient,
  query: Pick<GeneListQuery, 'filters' | 'sort'>,
): AsyncIterable<GeneRow> {
  const { text, values } = geneExportSql(query);
  for await (const raw of streamRows<RawGeneRow>(db, text, values)) yield toGeneRow(raw);
}
