import type { ExportColumn } from '../../export/table-export.js';
import type { GeneRow } from '../gene-repository.js';

/** The list API's attributes in its order, under its names (docs/api.md, "Genes"); lists stay lists. */
const KEYS = [
  'id',
  'approved_symbol',
  'hgnc_id',
  'aliases',
  'evidence_score',
  'evidence_count',
  'evidence_tier',
  'evidence_group',
  'sources',
  'created_at',
  'updated_at',
] as const satisfies readonly (keyof GeneRow)[];

/** The columns of every gene export (the live list's and a release's). */
export const GENE_EXPORT_COLUMNS: readonly ExportColumn<GeneRow>[] = KEYS.map((key) => ({
  header: key,
  value: (row: GeneRow) => row[key],
}));
