import type { Queryable } from '../../db/pool.js';
import type { IdHolder, StoredIdentifiers } from './gene-identifiers.js';
import { geneKey } from './group-by-gene.js';
import type { SourceName, StoredEvidence } from './import-types.js';
import type { ExistingGene } from './resolve-genes.js';

/** A gene_evidence row as the importer writes it. */
export interface EvidenceRow extends StoredEvidence {
  gene_id: number;
  source_name: SourceName;
}

export const evidenceKey = (geneId: number, source: string): string => `${geneId}|${source}`;

/** Genes rows that may match: by HGNC id, or by symbol case-insensitively (genes_upper_symbol_idx). */
export async function findGenes(
  db: Queryable,
  hgncIds: string[],
  upperSymbols: string[],
): Promise<(ExistingGene & StoredIdentifiers)[]> {
  const { rows } = await db.query<ExistingGene & StoredIdentifiers>(
    `select g.id, g.hgnc_id, g.approved_symbol, (g.valid_to = 'infinity') as current,
            g.aliases, g.previous_symbols, g.ensembl_gene_id, g.ncbi_gene_id
       from genes g
      where g.hgnc_id = any($1::text[]) or upper(g.approved_symbol) = any($2::text[])`,
    [hgncIds, upperSymbols],
  );
  return rows;
}

/** Inserts the new genes in one statement; returns their ids by batch key. */
export async function insertGenes(
  db: Queryable,
  genes: { hgncId: string | null; symbol: string; ids: StoredIdentifiers }[],
): Promise<Map<string, number>> {
  if (genes.length === 0) return new Map();
  const { rows } = await db.query<{ id: number; hgnc_id: string | null; approved_symbol: string }>(
    `insert into genes (hgnc_id, approved_symbol, aliases, previous_symbols, ensembl_gene_id, ncbi_gene_id)
     select v.hgnc_id, v.symbol, array(select jsonb_array_elements_text(v.aliases)),
            array(select jsonb_array_elements_text(v.previous)), v.ensembl, v.ncbi
       from unnest($1::text[], $2::text[], $3::jsonb[], $4::jsonb[], $5::text[], $6::text[])
            as v(hgnc_id, symbol, aliases, previous, ensembl, ncbi)
     returning id, hgnc_id, approved_symbol`,
    [genes.map((g) => g.hgncId), genes.map((g) => g.symbol), ...identifierParams(genes.map((g) => g.ids))],
  );
  // RETURNING order is not guaranteed; the batch key (HGNC id, else symbol) is unique among new genes.
  return new Map(rows.map((r) => [geneKey(r.hgnc_id, r.approved_symbol), r.id]));
}

/** Identifier lists travel as jsonb: a text[][] parameter cannot hold rows of different lengths. */
const identifierParams = (ids: StoredIdentifiers[]) => [
  ids.map((i) => JSON.stringify(i.aliases)),
  ids.map((i) => JSON.stringify(i.previous_symbols)),
  ids.map((i) => i.ensembl_gene_id),
  ids.map((i) => i.ncbi_gene_id),
];

/** Writes existing genes' identifiers where they changed; an unchanged row is not touched. Returns the count. */
export async function updateIdentifiers(
  db: Queryable,
  genes: { id: number; ids: StoredIdentifiers }[],
): Promise<number> {
  if (genes.length === 0) return 0;
  const { rowCount } = await db.query(
    `update genes g
        set aliases = n.aliases, previous_symbols = n.previous, ensembl_gene_id = n.ensembl,
            ncbi_gene_id = n.ncbi, updated_at = now()
       from (select v.id, array(select jsonb_array_elements_text(v.aliases)) as aliases,
                    array(select jsonb_array_elements_text(v.previous)) as previous, v.ensembl, v.ncbi
               from unnest($1::bigint[], $2::jsonb[], $3::jsonb[], $4::text[], $5::text[])
                    as v(id, aliases, previous, ensembl, ncbi)) as n
      where g.id = n.id
        and (g.aliases, g.previous_symbols, g.ensembl_gene_id, g.ncbi_gene_id)
            is distinct from (n.aliases, n.previous, n.ensembl, n.ncbi)`,
    [genes.map((g) => g.id), ...identifierParams(genes.map((g) => g.ids))],
  );
  return rowCount ?? 0;
}

/** The genes holding any of these Ensembl or NCBI ids (their unique indexes). */
export async function findIdHolders(db: Queryable, ids: StoredIdentifiers[]): Promise<IdHolder[]> {
  const { rows } = await db.query<IdHolder>(
    `select g.id, g.approved_symbol, g.ensembl_gene_id, g.ncbi_gene_id
       from genes g
      where g.ensembl_gene_id = any($1::text[]) or g.ncbi_gene_id = any($2::text[])`,
    [ids.flatMap((i) => i.ensembl_gene_id ?? []), ids.flatMap((i) => i.ncbi_gene_id ?? [])],
  );
  return rows;
}

/** Gives HGNC ids to existing symbol-only genes; `hgnc_id is null` keeps it a fill-in, never a rewrite. */
export async function linkHgncIds(db: Queryable, links: { id: number; hgncId: string }[]): Promise<number> {
  if (links.length === 0) return 0;
  const { rowCount } = await db.query(
    `update genes g set hgnc_id = v.hgnc_id, updated_at = now()
       from unnest($1::bigint[], $2::text[]) as v(id, hgnc_id)
      where g.id = v.id and g.hgnc_id is null`,
    [links.map((l) => l.id), links.map((l) => l.hgncId)],
  );
  return rowCount ?? 0;
}

/** The stored rows the run merges into, locked so nothing changes them between this read and the write. */
export async function findEvidence(
  db: Queryable,
  pairs: { geneId: number; source: SourceName }[],
): Promise<Map<string, StoredEvidence>> {
  if (pairs.length === 0) return new Map();
  const { rows } = await db.query<StoredEvidence & { gene_id: number; source_name: string }>(
    `select e.gene_id, e.source_name, e.source_detail, e.evidence_data, e.evidence_date::text as evidence_date
       from gene_evidence e
       join unnest($1::bigint[], $2::text[]) as v(gene_id, source_name)
         on v.gene_id = e.gene_id and v.source_name = e.source_name
        for update of e`,
    [pairs.map((p) => p.geneId), pairs.map((p) => p.source)],
  );
  return new Map(
    rows.map(({ gene_id, source_name, ...stored }) => [evidenceKey(gene_id, source_name), stored]),
  );
}

const evidenceParams = (rows: EvidenceRow[]) => [
  rows.map((r) => r.gene_id),
  rows.map((r) => r.source_name),
  rows.map((r) => r.source_detail),
  rows.map((r) => JSON.stringify(r.evidence_data)),
  rows.map((r) => r.evidence_date),
];

/** Inserts the rows whose (gene, source) is new; returns the source of each inserted row. */
export async function insertEvidence(db: Queryable, rows: EvidenceRow[]): Promise<SourceName[]> {
  if (rows.length === 0) return [];
  const result = await db.query<{ source_name: SourceName }>(
    `insert into gene_evidence (gene_id, source_name, source_detail, evidence_data, evidence_date)
     select * from unnest($1::bigint[], $2::text[], $3::text[], $4::jsonb[], $5::date[])
     on conflict (gene_id, source_name) do nothing
     returning source_name`,
    evidenceParams(rows),
  );
  return result.rows.map((r) => r.source_name);
}

/**
 * Rewrites the rows whose content differs; equal rows are not touched at all (no new tuple, no
 * updated_at bump), which is what makes a repeated import report 0 updated. Rows just inserted by
 * insertEvidence compare equal and are skipped. Returns the source of each updated row.
 */
export async function updateEvidence(db: Queryable, rows: EvidenceRow[]): Promise<SourceName[]> {
  if (rows.length === 0) return [];
  const result = await db.query<{ source_name: SourceName }>(
    `update gene_evidence e
        set source_detail = v.source_detail, evidence_data = v.evidence_data,
            evidence_date = v.evidence_date, updated_at = now()
       from unnest($1::bigint[], $2::text[], $3::text[], $4::jsonb[], $5::date[])
            as v(gene_id, source_name, source_detail, evidence_data, evidence_date)
      where e.gene_id = v.gene_id and e.source_name = v.source_name
        and (e.source_detail, e.evidence_data, e.evidence_date)
            is distinct from (v.source_detail, v.evidence_data, v.evidence_date)
     returning e.source_name`,
    evidenceParams(rows),
  );
  return result.rows.map((r) => r.source_name);
}
