import {
  EVIDENCE_GROUPS,
  EVIDENCE_TIERS,
  type EvidenceRow,
  type GeneListFacts,
  type GeneRow,
  type TierCounts,
} from '../gene-repository.js';

/**
 * Row mappers both repositories share, so the one thing that differs between them is where the numbers come
 * from. Timestamps leave as ISO strings, score maps with their keys in byte order, tier counts in tier order.
 */

/** A page row as GENE_LIST_COLUMNS selects it. */
export interface RawGeneRow {
  id: string;
  hgnc_id: string | null;
  approved_symbol: string;
  aliases: string[] | null;
  created_at: Date;
  updated_at: Date;
  evidence_count: number;
  evidence_score: number | null;
  evidence_tier: string | null;
  evidence_group: string | null;
  sources: string[] | null;
}

export function toGeneRow(r: RawGeneRow): GeneRow {
  return {
    id: r.id,
    hgnc_id: r.hgnc_id,
    approved_symbol: r.approved_symbol,
    aliases: r.aliases ?? [],
    created_at: r.created_at.toISOString(),
    updated_at: r.updated_at.toISOString(),
    evidence_count: r.evidence_count,
    evidence_score: r.evidence_score,
    evidence_tier: r.evidence_tier,
    evidence_group: r.evidence_group,
    sources: r.sources ?? [],
  };
}

const byteOrder = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** jsonb returns keys shortest-first; the API lists sources alphabetically (byte order). */
export function sortedScores(scores: Record<string, number> | null | undefined): Record<string, number> {
  const source = scores ?? {};
  const out: Record<string, number> = {};
  for (const key of Object.keys(source).sort(byteOrder)) out[key] = source[key] as number;
  return out;
}

/** group → tier → count (any key order) → both groups, tiers strongest first, `total` last. */
export function orderedTierCounts(raw: Partial<Record<string, Record<string, number>>> | null): TierCounts {
  const out = {} as TierCounts;
  for (const group of EVIDENCE_GROUPS) {
    const counts = raw?.[group] ?? {};
    const known: string[] = [...EVIDENCE_TIERS];
    const tiers = [
      ...known,
      ...Object.keys(counts)
        .filter((k) => k !== 'total' && !known.includes(k))
        .sort(),
    ];
    const entry: Record<string, number> = {};
    let total = 0;
    for (const tier of tiers) {
      const n = counts[tier];
      if (n === undefined || n === 0) continue;
      entry[tier] = n;
      total += n;
    }
    entry.total = total;
    out[group] = entry;
  }
  return out;
}

/** The facts columns both repositories select under these names. */
interface RawFacts {
  total_genes: number;
  nonzero_score_genes: number;
  max_evidence_count: number;
  available_sources: string[];
  evidence_tiers: Partial<Record<string, Record<string, number>>> | null;
}

/** A row of factsWithPage(): the facts (and total) on one row, a page row on every row with an `ord`. */
export type ListRow = (({ first_ord: 1; total: number } & RawFacts) | { first_ord: null }) &
  ({ ord: null } | ({ ord: number } & RawGeneRow));

/** factsWithPage() rows → the page's genes, the filtered total and the facts. */
export function splitListRows(rows: readonly ListRow[]): {
  rows: GeneRow[];
  total: number;
  facts: GeneListFacts;
} {
  const head = rows.find((r) => r.first_ord !== null);
  if (!head || head.first_ord === null) throw new Error('gene list: the facts row is missing');
  return {
    rows: rows.flatMap((r) => (r.ord === null ? [] : [toGeneRow(r)])),
    total: head.total,
    facts: toFacts(head),
  };
}

function toFacts(r: RawFacts): GeneListFacts {
  return {
    maxEvidenceCount: r.max_evidence_count,
    availableSources: r.available_sources,
    evidenceTiers: orderedTierCounts(r.evidence_tiers),
    totalGenes: r.total_genes,
    nonzeroScoreGenes: r.nonzero_score_genes,
  };
}

export interface RawEvidenceRow {
  id: string;
  source_name: string;
  source_detail: string | null;
  evidence_data: unknown;
  evidence_date: string | null;
  created_at: Date;
  normalized_score: number;
}

export function toEvidenceRow(r: RawEvidenceRow): EvidenceRow {
  return { ...r, created_at: r.created_at.toISOString() };
}

/** Evidence columns; `normalized` is the caller's expression for the rounded score. */
export const evidenceColumns = (normalized: string): string => `ge.id::text as id,
       ge.source_name,
       ge.source_detail,
       ge.evidence_data,
       ge.evidence_date::text as evidence_date,
       ge.created_at,
       ${normalized} as normalized_score`;

/** Case-insensitive symbol → the gene (lowest id on a tie), through the index on upper(approved_symbol). */
export const TARGET_GENE_SQL = `select g.id, g.approved_symbol
  from genes g
 where upper(g.approved_symbol) = upper($1::text)
 order by g.id
 limit 1`;
