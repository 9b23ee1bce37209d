import type { GeneFacts, PairOverlap, SourceCombination } from './statistics-repository.js';

/** Genes whose sources are exactly `sets`. */
interface Intersection {
  sets: string[];
  size: number;
  genes?: string[];
}

/** Upstream's UpSet.js payload of GET /api/statistics/source-overlaps. */
export interface UpsetData {
  sets: { name: string; size: number }[];
  intersections: Intersection[];
  total_unique_genes: number;
  overlap_statistics: {
    /** Number of sources that have genes (upstream's name). */
    highest_overlap_count: number;
    genes_in_all_sources: number;
    single_source_combinations: number;
    total_combinations: number;
  };
}

export const byteOrder = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Combinations → sets and intersections. Intersections: largest first, then fewer sources first, then by
 * source positions (the order upstream generated combinations in). Pure.
 */
export function toUpset(combinations: readonly SourceCombination[]): UpsetData {
  const setSizes = new Map<string, number>();
  for (const c of combinations) for (const s of c.sources) setSizes.set(s, (setSizes.get(s) ?? 0) + c.size);
  const names = [...setSizes.keys()].sort(byteOrder);
  const position = new Map(names.map((name, i) => [name, i]));
  const positions = (c: SourceCombination) =>
    c.sources.map((s) => position.get(s) ?? 0).sort((a, b) => a - b);
  const compare = (a: SourceCombination, b: SourceCombination): number => {
    if (a.size !== b.size) return b.size - a.size;
    if (a.sources.length !== b.sources.length) return a.sources.length - b.sources.length;
    const pa = positions(a);
    const pb = positions(b);
    for (let i = 0; i < pa.length; i++) if (pa[i] !== pb[i]) return (pa[i] ?? 0) - (pb[i] ?? 0);
    return 0;
  };
  const intersections: Intersection[] = [...combinations]
    .map((c) => ({ ...c, sources: [...c.sources].sort(byteOrder) }))
    .sort(compare)
    .map(({ sources, size, genes }) => (genes ? { sets: sources, size, genes } : { sets: sources, size }));
  return {
    sets: names.map((name) => ({ name, size: setSizes.get(name) ?? 0 })),
    intersections,
    total_unique_genes: combinations.reduce((sum, c) => sum + c.size, 0),
    overlap_statistics: {
      highest_overlap_count: names.length,
      genes_in_all_sources: combinations.find((c) => c.sources.length === names.length)?.size ?? 0,
      single_source_combinations: combinations.filter((c) => c.sources.length === 1).length,
      total_combinations: combinations.length,
    },
  };
}

export interface StatisticsSummary {
  overview: {
    total_genes: number;
    active_sources: number;
    total_intersections: number;
    genes_in_all_sources: number;
  };
  quality: { avg_sources_per_gene: number; total_evidence_records: number; high_confidence_genes: number };
  coverage: { single_source_genes: number; multi_source_genes: number; source_distribution_variety: number };
  pair_overlaps: PairOverlap[];
}

/**
 * Upstream's dashboard summary, with real numbers where upstream's were placeholders: single/multi-source
 * genes count genes (upstream counted single-source *combinations*), high_confidence_genes counts genes with
 * a score ≥ 80 (upstream matched "High" against tier labels that never contain it, so it was always 0).
 */
export function toSummary(upset: UpsetData, facts: GeneFacts, pairs: PairOverlap[]): StatisticsSummary {
  return {
    overview: {
      total_genes: upset.total_unique_genes,
      active_sources: upset.sets.length,
      total_intersections: upset.intersections.length,
      genes_in_all_sources: upset.overlap_statistics.genes_in_all_sources,
    },
    quality: {
      avg_sources_per_gene: facts.avg_sources_per_gene,
      total_evidence_records: facts.total_evidence_records,
      high_confidence_genes: facts.high_confidence_genes,
    },
    coverage: {
      single_source_genes: facts.single_source_genes,
      multi_source_genes: facts.multi_source_genes,
      source_distribution_variety: upset.sets.length,
    },
    pair_overlaps: pairs,
  };
}
