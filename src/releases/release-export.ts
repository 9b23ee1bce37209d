import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Pool, PoolClient } from '../db/pool.js';
import { started, streamRows } from '../db/row-stream.js';
import { type ExportFormat, exportStream } from '../export/table-export.js';
import { GENE_EXPORT_COLUMNS } from '../genes/export/gene-export-columns.js';
import { geneExportMeta } from '../genes/export/gene-export-routes.js';
import type { GeneListQuery, GeneRow } from '../genes/gene-repository.js';
import { parseSort } from '../genes/gene-sort.js';
import { type RawGeneRow, toGeneRow } from '../genes/views/gene-rows.js';
import { frozenGenesSql, type Release } from './release-repository.js';

/** What an export needs of its release: the export is a function of these and the frozen rows only. */
export type ExportedRelease = Pick<Release, 'id' | 'version' | 'created_at'>;

/** The canonical export: every frozen gene in the list's default order, no filters (docs/api.md, "Releases"). */
const CANONICAL: Pick<GeneListQuery, 'filters' | 'sort'> = {
  filters: { hideZeroScores: true },
  sort: parseSort(undefined),
};

async function* geneRows(rows: AsyncIterable<RawGeneRow>): AsyncIterable<GeneRow> {
  for await (const row of rows) yield toGeneRow(row);
}

/**
 * A release's frozen genes as `format`: the one code path of GET /api/releases/{version}/export and of the
 * checksum a release records when it is created. `filters` names the request's parameters for the metadata
 * (empty for the canonical export); generated_at is the release's creation time, so the bytes never change.
 * Resolves once the first row is read: a failing statement is an error answer, not a cut-off file.
 */
export async function releaseExport(
  db: Pool | PoolClient,
  release: ExportedRelease,
  format: ExportFormat,
  query: Pick<GeneListQuery, 'filters' | 'sort'> = CANONICAL,
  filters: Record<string, string> = {},
): Promise<Readable> {
  const { text, values } = frozenGenesSql(release.id, query);
  const rows = await started(geneRows(streamRows<RawGeneRow>(db, text, values)));
  const meta = geneExportMeta(filters, release.created_at.toISOString(), release.version);
  return exportStream(rows, format, GENE_EXPORT_COLUMNS, meta);
}

/** Hex SHA-256 of the canonical export (`GET /api/releases/{version}/export?format=csv`). */
export async function canonicalChecksum(db: Pool | PoolClient, release: ExportedRelease): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of await releaseExport(db, release, 'csv')) hash.update(chunk as Buffer | string);
  return hash.digest('hex');
}
