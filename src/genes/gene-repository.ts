/**
 * Glossary
 * - gene list query: a validated `GET /api/genes/` request (page, filters, sort), built by toGeneListQuery().
 * - gene page: one page of rows plus the total and the list-wide facts `meta` reports.
 * - facts: numbers about the whole gene table that do not depend on the request's filters (max evidence count,
 *   source names, tier counts, total and zero-score gene counts).
 * - legacy repository: the "before" code, upstream's SQL ported: it reads gene_scores and computes the
 *   per-evidence normalized scores inline (docs/legacy-arm.md).
 * - view repository: reads the declared views (gene_list_detailed, gene_scores, gene_list_stats).
 * Both implement GeneRepository and must return identical values for every request.
 */

import { SOURCES, type SourceName } from '../data/import/import-types.js';

export { SOURCES, type SourceName };

/** The five non-zero tiers, strongest first (docs/data-model.md, "Evidence tiers and groups"); `no_evidence` is never a filter value. */
export const EVIDENCE_TIERS = [
  'comprehensive_support',
  'multi_source_support',
  'established_support',
  'preliminary_evidence',
  'minimal_evidence',
] as const;
export type EvidenceTier = (typeof EVIDENCE_TIERS)[number];

/** The two groups a filter may ask for, strongest first; `insufficient` is never a filter value. */
export const EVIDENCE_GROUPS = ['well_supported', 'emerging_evidence'] as const;
type EvidenceGroup = (typeof EVIDENCE_GROUPS)[number];

export type SortField =
  | 'id'
  | 'approved_symbol'
  | 'hgnc_id'
  | 'evidence_score'
  | 'evidence_count'
  | 'created_at'
  | 'updated_at'
  | 'evidence_tier'
  | 'evidence_group';

export interface SortTerm {
  field: SortField;
  descending: boolean;
}

export interface GeneListFilters {
  /** Case-insensitive substring of symbol, HGNC id, tier or group; matched literally (no wildcards). */
  search?: string;
  minScore?: number;
  maxScore?: number;
  minCount?: number;
  maxCount?: number;
  source?: SourceName;
  /** Only genes with percentage_score > 0. */
  hideZeroScores: boolean;
  /** OR of tiers. */
  tiers?: EvidenceTier[];
  group?: EvidenceGroup;
  ids?: number[];
}

export interface GeneListQuery {
  /** 1-based. */
  page: number;
  /** Rows per page; the route allows 1..100, the repository any positive number (the benchmark asks 1000). */
  size: number;
  filters: GeneListFilters;
  /** As requested; the SQL builder appends the tie-breaker on id. */
  sort: SortTerm[];
}

/** One gene as the list (and the detail) shows it, with upstream's attribute names (docs/api.md, "Genes"). */
export interface GeneRow {
  id: string;
  hgnc_id: string | null;
  approved_symbol: string;
  aliases: string[];
  created_at: string;
  updated_at: string;
  evidence_count: number;
  /** percentage_score; null when the gene has no score at all. */
  evidence_score: number | null;
  evidence_tier: string | null;
  evidence_group: string | null;
  sources: string[];
}

/** evidence_tiers of `meta`: group → tier → gene count, plus `total` per group (genes with score > 0). */
export type TierCounts = Record<EvidenceGroup, Record<string, number>>;

export interface GeneListFacts {
  maxEvidenceCount: number;
  /** Distinct gene_evidence source names, byte order. */
  availableSources: string[];
  evidenceTiers: TierCounts;
  /** Every gene in the table. */
  totalGenes: number;
  /** Genes with percentage_score > 0. */
  nonzeroScoreGenes: number;
}

export interface GenePage {
  rows: GeneRow[];
  /** Genes matching the filters (all pages). */
  total: number;
  facts: GeneListFacts;
}

export interface GeneDetail extends GeneRow {
  /** source → normalized score rounded to 4 decimals. */
  score_breakdown: Record<string, number>;
  /** gene_scores.source_scores: source → score rounded to 4 decimals; {} without a score. */
  source_scores: Record<string, number>;
}

export interface EvidenceRow {
  id: string;
  source_name: string;
  source_detail: string | null;
  evidence_data: unknown;
  /** YYYY-MM-DD. */
  evidence_date: string | null;
  created_at: string;
  /** The row's normalized score rounded to 4 decimals; 0 when it takes no part in scoring. */
  normalized_score: number;
}

export interface GeneEvidence {
  gene_id: number;
  gene_symbol: string;
  evidence: EvidenceRow[];
}

export interface GeneRepository {
  /** One page of the gene list with its total and the list-wide facts. */
  list(query: GeneListQuery): Promise<GenePage>;
  /** The gene whose symbol matches case-insensitively (lowest id on a tie); undefined = not found. */
  findBySymbol(symbol: string): Promise<GeneDetail | undefined>;
  /** Every evidence row of the gene, by source name; undefined = no such gene. */
  evidence(symbol: string): Promise<GeneEvidence | undefined>;
}
