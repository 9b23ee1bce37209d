import type { CompositionCounts } from './statistics-repository.js';

/** Upstream's tiers in display order, with the labels and colours its UI draws them in. */
const TIERS = [
  { tier: 'comprehensive_support', label: 'Comprehensive Support', color: '#4CAF50' },
  { tier: 'multi_source_support', label: 'Multi-Source Support', color: '#2196F3' },
  { tier: 'established_support', label: 'Established Support', color: '#1976D2' },
  { tier: 'preliminary_evidence', label: 'Preliminary Evidence', color: '#FFC107' },
  { tier: 'minimal_evidence', label: 'Minimal Evidence', color: '#9E9E9E' },
  { tier: 'no_evidence', label: 'Insufficient Evidence', color: '#BDBDBD' },
] as const;

interface TierShare {
  tier: string;
  tier_label: string;
  gene_count: number;
  percentage: number;
  color: string;
}

export interface EvidenceComposition {
  evidence_tier_distribution: TierShare[];
  /** The same array under upstream's older name. */
  evidence_quality_distribution: TierShare[];
  /** Source → its share of the evidence rows, largest gene count first. */
  source_contribution_weights: Record<string, number>;
  source_coverage_distribution: { source_count: number; gene_count: number; percentage: number }[];
  summary_statistics: {
    total_genes: number;
    total_evidence_records: number;
    active_sources: number;
    avg_sources_per_gene: number;
  };
}

/**
 * part / whole rounded to `decimals`, half up, in integers (exact for counts below 2^53 / 10^(decimals+1)):
 * PostgreSQL's round() of the same numeric quotient, without the float error of Math.round(x × 100) / 100.
 */
export function roundedRatio(part: number, whole: number, decimals: number): number {
  if (whole === 0) return 0;
  const scale = 10 ** decimals;
  return Math.floor((2 * part * scale + whole) / (2 * whole)) / scale;
}

/** Repository counts → upstream's composition payload (percentages of the genes covered, 2 decimals). Pure. */
export function toEvidenceComposition(counts: CompositionCounts): EvidenceComposition {
  const totalGenes = counts.tiers.reduce((sum, t) => sum + t.gene_count, 0);
  const tiers = TIERS.flatMap(({ tier, label, color }) => {
    const found = counts.tiers.find((t) => t.tier === tier);
    return found
      ? [
          {
            tier,
            tier_label: label,
            gene_count: found.gene_count,
            percentage: roundedRatio(found.gene_count * 100, totalGenes, 2),
            color,
          },
        ]
      : [];
  });
  const totalEvidence = counts.sources.reduce((sum, s) => sum + s.evidence_count, 0);
  const sources = [...counts.sources].sort(
    (a, b) => b.gene_count - a.gene_count || (a.source_name < b.source_name ? -1 : 1),
  );
  const coverage = [...counts.coverage].sort((a, b) => b.source_count - a.source_count);
  const sourceGenes = coverage.reduce((sum, c) => sum + c.source_count * c.gene_count, 0);
  return {
    evidence_tier_distribution: tiers,
    evidence_quality_distribution: tiers,
    source_contribution_weights: Object.fromEntries(
      sources.map((s) => [s.source_name, roundedRatio(s.evidence_count, totalEvidence, 3)]),
    ),
    source_coverage_distribution: coverage.map((c) => ({
      source_count: c.source_count,
      gene_count: c.gene_count,
      percentage: roundedRatio(c.gene_count * 100, totalGenes, 2),
    })),
    summary_statistics: {
      total_genes: tiers.reduce((sum, t) => sum + t.gene_count, 0),
      total_evidence_records: totalEvidence,
      active_sources: counts.sources.length,
      avg_sources_per_gene: roundedRatio(sourceGenes, totalGenes, 2),
    },
  };
}
