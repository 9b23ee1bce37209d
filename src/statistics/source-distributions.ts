import type { DistributionCount, DistributionCounts } from './statistics-repository.js';
import { byteOrder } from './upset.js';

interface Bar {
  category: string | number;
  gene_count: number;
}

type Metadata = Record<string, string | number>;

export interface SourceDistribution {
  distribution: Bar[];
  metadata: Metadata;
}

/** Upstream's order of classification titles per source; other titles follow in byte order. */
const CLASSIFICATION_ORDER: Record<string, readonly string[]> = {
  ClinGen: ['Definitive', 'Strong', 'Moderate', 'Limited', 'Disputed', 'Refuted'],
  GenCC: [
    'Definitive',
    'Strong',
    'Moderate',
    'Limited',
    'Supportive',
    'Disputed Evidence',
    'No Known Disease Relationship',
  ],
};

/** Histogram sources: the metadata key of the largest count and the chart upstream's UI draws. */
const HISTOGRAMS: Record<string, { maxKey: string; chart: string }> = {
  DiagnosticPanels: { maxKey: 'max_providers', chart: 'provider_histogram' },
  PanelApp: { maxKey: 'max_panels', chart: 'panel_histogram' },
  PubTator: { maxKey: 'max_publications', chart: 'publication_histogram' },
  Literature: { maxKey: 'max_publications', chart: 'publication_histogram' },
};

/** HPO term-count ranges: label and upper bound (inclusive); the last takes the rest. */
const HPO_RANGES: readonly [string, number][] = [
  ['0', 0],
  ['1-5', 5],
  ['6-10', 10],
  ['11-20', 20],
  ['21-50', 50],
  ['50+', Number.POSITIVE_INFINITY],
];

const sum = (bars: readonly Bar[]) => bars.reduce((total, b) => total + b.gene_count, 0);

function classifications(source: string, groups: readonly DistributionCount[]): SourceDistribution {
  const order = CLASSIFICATION_ORDER[source] ?? [];
  const rank = (title: string) => {
    const i = order.indexOf(title);
    return i === -1 ? order.length : i;
  };
  const distribution = groups
    .map((g) => ({ category: g.category ?? '', gene_count: g.gene_count }))
    .sort((a, b) => rank(a.category) - rank(b.category) || byteOrder(a.category, b.category));
  return {
    distribution,
    metadata: {
      total_classifications: distribution.length,
      total_genes: sum(distribution),
      visualization_type: 'classification_donut',
    },
  };
}

function histogram(
  groups: readonly DistributionCount[],
  { maxKey, chart }: { maxKey: string; chart: string },
): SourceDistribution {
  const distribution = groups
    .map((g) => ({ category: g.item_count ?? 0, gene_count: g.gene_count }))
    .sort((a, b) => a.category - b.category);
  return {
    distribution,
    metadata: {
      [maxKey]: distribution.at(-1)?.category ?? 0,
      total_genes: sum(distribution),
      visualization_type: chart,
    },
  };
}

function hpoRanges(groups: readonly DistributionCount[]): SourceDistribution {
  const genes = new Map<string, number>();
  for (const g of groups) {
    const count = g.item_count ?? 0;
    const label = HPO_RANGES.find(([, upTo]) => count <= upTo)?.[0] ?? '50+';
    genes.set(label, (genes.get(label) ?? 0) + g.gene_count);
  }
  const distribution = HPO_RANGES.flatMap(([label]) => {
    const n = genes.get(label);
    return n === undefined ? [] : [{ category: label, gene_count: n }];
  });
  return {
    distribution,
    metadata: {
      total_ranges: distribution.length,
      total_genes: sum(distribution),
      visualization_type: 'hpo_term_histogram',
    },
  };
}

function distributionOf(source: string, groups: readonly DistributionCount[]): SourceDistribution {
  if (source in CLASSIFICATION_ORDER) return classifications(source, groups);
  const chart = HISTOGRAMS[source];
  if (chart) return histogram(groups, chart);
  if (source === 'HPO') return hpoRanges(groups);
  return { distribution: [], metadata: { note: 'No distribution available' } };
}

/** Repository counts → upstream's per-source distributions, sources in byte order. Pure. */
export function toSourceDistributions(counts: DistributionCounts): Record<string, SourceDistribution> {
  return Object.fromEntries(
    [...counts.sources].sort(byteOrder).map((source) => [
      source,
      distributionOf(
        source,
        counts.groups.filter((g) => g.source_name === source),
      ),
    ]),
  );
}
