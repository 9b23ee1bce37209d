import { describe, expect, it } from 'vitest';
import { exportStream } from '../../src/export/table-export.js';
import { GENE_EXPORT_COLUMNS } from '../../src/genes/export/gene-export-columns.js';
import { geneExportMeta } from '../../src/genes/export/gene-export-routes.js';
import type { GeneRow } from '../../src/genes/gene-repository.js';

// Every release records the SHA-256 of its canonical export (its CSV, no parameters). A change to the CSV
// writer, the gene columns or the metadata line changes those bytes, and every stored checksum would stop
// matching the export it certifies. This pins the bytes: if it fails, the change breaks published releases.

const at = '2026-01-02T03:04:05.000Z';
const ROWS: GeneRow[] = [
  {
    id: '2',
    hgnc_id: 'HGNC:9009',
    approved_symbol: 'PKD2',
    aliases: ['PC2', 'TRPP2'],
    created_at: at,
    updated_at: at,
    evidence_count: 3,
    evidence_score: 87.5,
    evidence_tier: 'multi_source_support',
    evidence_group: 'well_supported',
    sources: ['ClinGen', 'GenCC', 'Literature'],
  },
  {
    id: '7',
    hgnc_id: null,
    approved_symbol: '=X,"Y"',
    aliases: ['X#1'],
    created_at: at,
    updated_at: at,
    evidence_count: 1,
    evidence_score: 12.5,
    evidence_tier: 'preliminary_evidence',
    evidence_group: 'emerging_evidence',
    sources: ['HPO'],
  },
];

async function* rows(): AsyncIterable<GeneRow> {
  yield* ROWS;
}

describe('the canonical release export', () => {
  it('keeps its exact bytes: BOM, header, CRLF, RFC 4180 quoting, # quoted, the formula guard, the metadata line', async () => {
    const meta = geneExportMeta({}, '2026-12-01T00:00:00.000Z', '2026.12');
    const chunks: Buffer[] = [];
    for await (const chunk of exportStream(rows(), 'csv', GENE_EXPORT_COLUMNS, meta)) {
      chunks.push(Buffer.from(chunk));
    }
    expect(Buffer.concat(chunks).toString('utf8')).toBe(
      '\uFEFFid,approved_symbol,hgnc_id,aliases,evidence_score,evidence_count,evidence_tier,evidence_group,sources,created_at,updated_at\r\n' +
        `2,PKD2,HGNC:9009,PC2|TRPP2,87.5,3,multi_source_support,well_supported,ClinGen|GenCC|Literature,${at},${at}\r\n` +
        `7,"'=X,""Y""",,"X#1",12.5,1,preliminary_evidence,emerging_evidence,HPO,${at},${at}\r\n` +
        '#title=kgdb gene list&release=2026.12&generated_at=2026-12-01T00:00:00.000Z&rows=2\r\n',
    );
  });
});
