import { KgdbError } from '../../errors.js';

/**
 * Gene identifier resolution, the pure part (docs/api.md, "Resolve gene identifiers"): what a query may
 * match, how a candidate matched, and the order and status of the answer. The SQL (resolve-repository.ts)
 * only finds the genes whose lookup keys overlap the queries' keys.
 */

/** How a candidate matched, best first: the order candidates are ranked in. */
export const MATCH_KINDS = [
  'approved_symbol',
  'hgnc_id',
  'ensembl_gene_id',
  'ncbi_gene_id',
  'previous_symbol',
  'alias',
] as const;
type MatchKind = (typeof MATCH_KINDS)[number];

/** Longest query accepted: the longest real identifier (an HGNC id, an Ensembl id) is well under it. */
export const MAX_QUERY_LENGTH = 100;
/** Queries per bulk call. */
export const MAX_BULK_QUERIES = 5000;

/** A current gene with every identifier it answers to. */
export interface IdentifiedGene {
  id: number;
  hgnc_id: string | null;
  approved_symbol: string;
  aliases: string[];
  previous_symbols: string[];
  ensembl_gene_id: string | null;
  ncbi_gene_id: string | null;
}

export interface Candidate<G extends IdentifiedGene = IdentifiedGene> {
  gene: G;
  matched_by: MatchKind;
}

type ResolveStatus = 'resolved' | 'ambiguous' | 'unresolved';

export interface Resolution<G extends IdentifiedGene = IdentifiedGene> {
  query: string;
  status: ResolveStatus;
  /** Best first; empty when unresolved. */
  candidates: Candidate<G>[];
}

const HGNC_NUMBER = /^(?:HGNC:)?(\d+)$/;
/** An Ensembl gene id with its version suffix (ENSG00000118762.12): the version is dropped. */
const VERSIONED_ENSEMBL = /^(ENSG\d{11})\.\d+$/;

/**
 * ASCII letters upper-cased, every other character as it is: exactly what kgdb_gene_lookup_keys (migration 0013)
 * does in SQL with translate(), whatever the database's locale, so the keys built here and the index agree.
 */
export const asciiUpper = (text: string): string => text.replace(/[a-z]/g, (c) => c.toUpperCase());

/**
 * The upper-cased keys a query may equal in kgdb_gene_lookup_keys (migration 0013): the query itself, and
 * `HGNC:<n>` for `9008` or `hgnc:9008`. A bare number is both an HGNC number and an NCBI id.
 * Blank → 400 naming `parameter`.
 */
export function queryKeys(query: string, parameter: string): string[] {
  const key = asciiUpper(query.trim());
  if (key === '') {
    throw new KgdbError('INVALID_PARAMETER', {
      parameter,
      detail: `'${parameter}' must not be blank: expected an HGNC id, symbol, alias, previous symbol, Ensembl or NCBI gene id`,
    });
  }
  const hgnc = HGNC_NUMBER.exec(key);
  const ensembl = VERSIONED_ENSEMBL.exec(key);
  if (hgnc) return [...new Set([key, `HGNC:${hgnc[1]}`])];
  if (ensembl?.[1]) return [ensembl[1]];
  return [key];
}

/** The best way `gene` answers to one of `keys`, or undefined when it does not. */
function matchOf(gene: IdentifiedGene, keys: readonly string[]): MatchKind | undefined {
  const has = (value: string | null) => value !== null && keys.includes(asciiUpper(value));
  if (has(gene.approved_symbol)) return 'approved_symbol';
  if (has(gene.hgnc_id)) return 'hgnc_id';
  if (has(gene.ensembl_gene_id)) return 'ensembl_gene_id';
  if (has(gene.ncbi_gene_id)) return 'ncbi_gene_id';
  if (gene.previous_symbols.some(has)) return 'previous_symbol';
  if (gene.aliases.some(has)) return 'alias';
  return undefined;
}

/** The candidates for one query among `genes`, best match first, then by gene id. */
function resolveOne<G extends IdentifiedGene>(
  query: string,
  keys: readonly string[],
  genes: readonly G[],
): Resolution<G> {
  const candidates = genes
    .flatMap((gene) => {
      const matched_by = matchOf(gene, keys);
      return matched_by ? [{ gene, matched_by }] : [];
    })
    .sort(
      (a, b) =>
        MATCH_KINDS.indexOf(a.matched_by) - MATCH_KINDS.indexOf(b.matched_by) || a.gene.id - b.gene.id,
    );
  const status = candidates.length === 0 ? 'unresolved' : candidates.length === 1 ? 'resolved' : 'ambiguous';
  return { query, status, candidates };
}

/** Each query's resolution, in request order, from the genes one lookup found for all of them. */
export function resolveAll<G extends IdentifiedGene>(
  queries: readonly { query: string; keys: readonly string[] }[],
  genes: readonly G[],
): Resolution<G>[] {
  const byKey = new Map<string, G[]>();
  for (const gene of genes) {
    const keys = [
      gene.approved_symbol,
      gene.hgnc_id,
      gene.ensembl_gene_id,
      gene.ncbi_gene_id,
      ...gene.previous_symbols,
      ...gene.aliases,
    ];
    for (const key of new Set(keys.flatMap((k) => (k === null ? [] : [asciiUpper(k)])))) {
      const list = byKey.get(key);
      if (list) list.push(gene);
      else byKey.set(key, [gene]);
    }
  }
  return queries.map(({ query, keys }) => {
    const found = new Set(keys.flatMap((k) => byKey.get(k) ?? []));
    return resolveOne(query, keys, [...found]);
  });
}
