import type { BatchGene } from './group-by-gene.js';
import type { GeneIdentifiers, GeneRef, JsonObject } from './import-types.js';
import { type Fail, inputError } from './input-error.js';
import { readNameList, show } from './read-fields.js';

/**
 * The identifiers an entry may give its gene besides symbol and HGNC id (docs/data-model.md, "Importing"):
 * `aliases` and `previous_symbols` (lists of symbols), `ensembl_gene_id` (ENSG + 11 digits) and `ncbi_gene_id`
 * (NCBI Gene id, digits). Lists are unioned with what is stored; an id fills an empty one, and a different id
 * than the stored (or another entry's) is an error naming both, never a silent overwrite.
 */
export const IDENTIFIER_FIELDS = ['aliases', 'previous_symbols', 'ensembl_gene_id', 'ncbi_gene_id'] as const;

const ENSEMBL = /^ENSG\d{11}$/;
/** No leading zero: `05311` would be a second spelling of `5311` that the unique index lets in. */
const NCBI = /^[1-9]\d{0,11}$/;

function readId(value: unknown, field: string, pattern: RegExp, expected: string, fail: Fail): string | null {
  if (value === undefined || value === null || value === '') return null;
  const text = typeof value === 'number' && Number.isSafeInteger(value) ? String(value) : value;
  if (typeof text === 'string' && pattern.test(text.trim().toUpperCase())) return text.trim().toUpperCase();
  return fail(`${field} ${show(value)} is not ${expected}`);
}

/** The optional identifier fields of one entry; undefined when it has none. */
export function readGeneIdentifiers(entry: JsonObject, fail: Fail): GeneIdentifiers | undefined {
  if (IDENTIFIER_FIELDS.every((field) => entry[field] === undefined || entry[field] === null))
    return undefined;
  const names = (field: string) =>
    entry[field] === undefined || entry[field] === null ? [] : readNameList(entry[field], field, fail);
  return {
    aliases: names('aliases'),
    previousSymbols: names('previous_symbols'),
    ensemblGeneId: readId(
      entry.ensembl_gene_id,
      'ensembl_gene_id',
      ENSEMBL,
      'an Ensembl gene id (ENSG + 11 digits)',
      fail,
    ),
    ncbiGeneId: readId(
      entry.ncbi_gene_id,
      'ncbi_gene_id',
      NCBI,
      'an NCBI Gene id (digits, no leading zero)',
      fail,
    ),
  };
}

/** What the genes row holds now, or nothing for a gene this run creates. */
export interface StoredIdentifiers {
  aliases: string[];
  previous_symbols: string[];
  ensembl_gene_id: string | null;
  ncbi_gene_id: string | null;
}

/** `list` plus the names of `more` it lacks (case-insensitively), in order: stored names keep their place. */
function unionNames(list: readonly string[], ...more: (readonly string[])[]): string[] {
  const out = [...list];
  const seen = new Set(list.map((n) => n.toUpperCase()));
  for (const name of more.flat()) {
    if (seen.has(name.toUpperCase())) continue;
    seen.add(name.toUpperCase());
    out.push(name);
  }
  return out;
}

type IdField = 'ensemblGeneId' | 'ncbiGeneId';
const COLUMN: Record<IdField, 'ensembl_gene_id' | 'ncbi_gene_id'> = {
  ensemblGeneId: 'ensembl_gene_id',
  ncbiGeneId: 'ncbi_gene_id',
};

const at = (ref: GeneRef) => `${ref.file}: ${ref.where}`;

/** The one id the batch gene's entries give (they must agree), with the first entry that gave it. */
function batchId(gene: BatchGene, field: IdField): { value: string; ref: GeneRef } | null {
  let found: { value: string; ref: GeneRef } | null = null;
  for (const { gene: ref } of gene.contributions) {
    const value = ref.identifiers?.[field] ?? null;
    if (value === null) continue;
    if (found === null) found = { value, ref };
    else if (found.value !== value) {
      throw inputError(
        ref.file,
        ref.where,
        `${COLUMN[field]} ${value} of gene ${gene.symbol} differs from ${found.value} given at ${at(found.ref)}`,
      );
    }
  }
  return found;
}

/**
 * The identifiers a gene has after this run: the stored ones with the batch's added. Pure, so importing the
 * same files again yields what is stored and writes nothing.
 */
export function mergeIdentifiers(gene: BatchGene, stored: StoredIdentifiers | undefined): StoredIdentifiers {
  const refs = gene.contributions.flatMap((c) => (c.gene.identifiers ? [c.gene.identifiers] : []));
  const id = (field: IdField): string | null => {
    const given = batchId(gene, field);
    const old = stored?.[COLUMN[field]] ?? null;
    if (given === null) return old;
    if (old !== null && old !== given.value) {
      throw inputError(
        given.ref.file,
        given.ref.where,
        `${COLUMN[field]} ${given.value} of gene ${gene.symbol} differs from the stored ${old}; ` +
          'correct the file, or the stored value first',
      );
    }
    return given.value;
  };
  return {
    aliases: unionNames(stored?.aliases ?? [], ...refs.map((r) => r.aliases)),
    previous_symbols: unionNames(stored?.previous_symbols ?? [], ...refs.map((r) => r.previousSymbols)),
    ensembl_gene_id: id('ensemblGeneId'),
    ncbi_gene_id: id('ncbiGeneId'),
  };
}

/** A genes row holding an id, as findIdentifierHolders reads it. */
export interface IdHolder {
  id: number;
  approved_symbol: string;
  ensembl_gene_id: string | null;
  ncbi_gene_id: string | null;
}

/**
 * Each Ensembl and NCBI id belongs to one gene (unique indexes of migration 0013): an id that this run gives
 * a gene while another gene holds it, stored or in this run, is an error naming both genes.
 */
export function checkIdOwners(
  planned: readonly { target: string; gene: BatchGene; ids: StoredIdentifiers }[],
  holders: readonly IdHolder[],
  targetOf: (holderId: number) => string,
): void {
  for (const column of ['ensembl_gene_id', 'ncbi_gene_id'] as const) {
    const owner = new Map<string, { target: string; symbol: string }>();
    for (const h of holders) {
      const value = h[column];
      if (value !== null) owner.set(value, { target: targetOf(h.id), symbol: h.approved_symbol });
    }
    for (const { target, gene, ids } of planned) {
      const value = ids[column];
      if (value === null) continue;
      const other = owner.get(value);
      if (other && other.target !== target) {
        const field = column === 'ensembl_gene_id' ? 'ensemblGeneId' : 'ncbiGeneId';
        const ref = gene.contributions.find((c) => c.gene.identifiers?.[field] === value)?.gene;
        const message = `${column} ${value} given to gene ${gene.symbol} already belongs to gene ${other.symbol}`;
        throw ref ? inputError(ref.file, ref.where, message) : inputError('import', '', message);
      }
      owner.set(value, { target, symbol: gene.symbol });
    }
  }
}
