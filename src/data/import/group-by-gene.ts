import type { Contribution } from './import-types.js';

/** The contributions of one run that name the same gene. */
export interface BatchGene {
  /** `hgnc:HGNC:9008` when any entry gave the HGNC id, else `symbol:PKD1` (upper-cased). */
  key: string;
  hgncId: string | null;
  /** The symbol as the first entry wrote it: its case is kept (`C21orf58`). */
  symbol: string;
  contributions: Contribution[];
}

export const symbolKey = (symbol: string): string => symbol.toUpperCase();

export const geneKey = (hgncId: string | null, symbol: string): string =>
  hgncId === null ? `symbol:${symbolKey(symbol)}` : `hgnc:${hgncId}`;

/**
 * Groups by HGNC id when an entry has one, else by symbol case-insensitively. An entry
 * without an HGNC id joins the HGNC-keyed gene of the same symbol when exactly one such gene exists, so
 * `PKD1` and `{PKD1, HGNC:9008}` in one run are one gene; with two candidates it stays apart (ambiguous).
 * Order: HGNC-keyed genes by first appearance, then symbol-keyed ones, so the same inputs give the same plan.
 */
export function groupByGene(contributions: Contribution[]): BatchGene[] {
  const genes = new Map<string, BatchGene>();
  const hgncKeysBySymbol = new Map<string, Set<string>>();
  const add = (key: string, c: Contribution) => {
    const gene = genes.get(key);
    if (gene) gene.contributions.push(c);
    else genes.set(key, { key, hgncId: c.gene.hgncId, symbol: c.gene.symbol, contributions: [c] });
  };
  for (const c of contributions) {
    if (c.gene.hgncId === null) continue;
    const key = geneKey(c.gene.hgncId, c.gene.symbol);
    add(key, c);
    const sym = symbolKey(c.gene.symbol);
    hgncKeysBySymbol.set(sym, (hgncKeysBySymbol.get(sym) ?? new Set()).add(key));
  }
  for (const c of contributions) {
    if (c.gene.hgncId !== null) continue;
    const sym = symbolKey(c.gene.symbol);
    const candidates = [...(hgncKeysBySymbol.get(sym) ?? [])];
    add(candidates.length === 1 && candidates[0] ? candidates[0] : geneKey(null, c.gene.symbol), c);
  }
  return [...genes.values()];
}
