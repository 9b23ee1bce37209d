import { type BatchGene, symbolKey } from './group-by-gene.js';

/** A genes row that may be the gene a batch gene names. */
export interface ExistingGene {
  id: number;
  hgnc_id: string | null;
  approved_symbol: string;
  /** valid_to = 'infinity'. */
  current: boolean;
}

export type GeneTarget =
  | { kind: 'existing'; id: number }
  /** An existing gene without an HGNC id that this run gives one. */
  | { kind: 'link'; id: number; hgncId: string }
  | { kind: 'new'; key: string; hgncId: string | null; symbol: string };

/**
 * Matches each batch gene to a genes row. By HGNC id first; an HGNC-keyed gene with no row of that id
 * takes over a row of the same symbol that has no HGNC id yet (an earlier symbol-only import), instead
 * of creating a twin. A symbol-keyed gene matches any row of that symbol, case-insensitively. Among
 * several rows of one symbol the current one (valid_to = infinity), then the lowest id, wins.
 * Existing rows keep their approved_symbol: the database, not the latest file, owns a gene's name.
 */
export function resolveGenes(batch: BatchGene[], existing: ExistingGene[]): Map<string, GeneTarget> {
  const byHgnc = new Map(existing.filter((g) => g.hgnc_id !== null).map((g) => [g.hgnc_id, g]));
  const bySymbol = new Map<string, ExistingGene[]>();
  for (const g of [...existing].sort((a, b) => Number(b.current) - Number(a.current) || a.id - b.id)) {
    const sym = symbolKey(g.approved_symbol);
    bySymbol.set(sym, [...(bySymbol.get(sym) ?? []), g]);
  }
  const linked = new Set<number>();
  const targets = new Map<string, GeneTarget>();
  for (const gene of batch) {
    const candidates = bySymbol.get(symbolKey(gene.symbol)) ?? [];
    if (gene.hgncId !== null) {
      const match = byHgnc.get(gene.hgncId);
      const orphan = candidates.find((g) => g.hgnc_id === null && !linked.has(g.id));
      if (match) targets.set(gene.key, { kind: 'existing', id: match.id });
      else if (orphan) {
        linked.add(orphan.id);
        targets.set(gene.key, { kind: 'link', id: orphan.id, hgncId: gene.hgncId });
      } else targets.set(gene.key, { kind: 'new', key: gene.key, hgncId: gene.hgncId, symbol: gene.symbol });
    } else {
      const match = candidates[0];
      targets.set(
        gene.key,
        match
          ? { kind: 'existing', id: match.id }
          : { kind: 'new', key: gene.key, hgncId: null, symbol: gene.symbol },
      );
    }
  }
  return targets;
}
