import { type Static, Type } from '@sinclair/typebox';
import { EVIDENCE_TIERS, SOURCES } from '../genes/gene-repository.js';
import { TextParam } from '../http/params.js';

/** One `sources` value: a name or a comma list of the seven (repeats are allowed and merged). */
const SourceText = TextParam({ maxLength: 500 });
/** Repeated `sources` keys accepted: every source a few times over. */
const MAX_SOURCE_ITEMS = 50;

/** Upstream's gene filters, shared by every statistics route that takes parameters. */
const geneFilters = {
  'filter[hide_zero_scores]': Type.Optional(
    Type.Boolean({ default: true, description: 'Hide genes with percentage_score = 0 (default: true)' }),
  ),
  'filter[tier]': Type.Optional(
    TextParam({ maxLength: 500, description: `Comma list of tiers: ${EVIDENCE_TIERS.join(', ')}` }),
  ),
};

/** GET /api/statistics/evidence-composition and /source-distributions: the gene filters only. */
export const StatisticsFilterQuerystring = Type.Object(geneFilters, { additionalProperties: false });
export type StatisticsFilterQuerystring = Static<typeof StatisticsFilterQuerystring>;

/** GET /api/statistics/source-overlaps: upstream's keys; `sources` repeats (?sources=A&sources=B) or is a comma list. */
export const SourceOverlapsQuerystring = Type.Object(
  {
    sources: Type.Optional(
      Type.Union([SourceText, Type.Array(SourceText, { maxItems: MAX_SOURCE_ITEMS })], {
        description: `Sources to include (repeat the key or use a comma list): ${SOURCES.join(', ')}`,
      }),
    ),
    ...geneFilters,
    detail: Type.Optional(
      Type.Boolean({ default: false, description: 'Include the gene symbols of each intersection' }),
    ),
  },
  { additionalProperties: false },
);
export type SourceOverlapsQuerystring = Static<typeof SourceOverlapsQuerystring>;

const metaFields = {
  timestamp: Type.String(),
  description: Type.String(),
  query_duration_ms: Type.Number(),
  data_version: Type.String(),
  visualization_type: Type.String(),
  hide_zero_scores: Type.Optional(Type.Boolean()),
};
const meta = Type.Object(metaFields);

const tierShare = Type.Object({
  tier: Type.String(),
  tier_label: Type.String(),
  gene_count: Type.Integer(),
  percentage: Type.Number(),
  color: Type.String(),
});

export const EvidenceCompositionResponse = Type.Object({
  data: Type.Object({
    evidence_tier_distribution: Type.Array(tierShare),
    evidence_quality_distribution: Type.Array(tierShare, {
      description: 'The same as evidence_tier_distribution (upstream keeps both names)',
    }),
    source_contribution_weights: Type.Record(Type.String(), Type.Number(), {
      description: 'Source → its evidence rows / all evidence rows of the genes covered, 3 decimals',
    }),
    source_coverage_distribution: Type.Array(
      Type.Object({ source_count: Type.Integer(), gene_count: Type.Integer(), percentage: Type.Number() }),
    ),
    summary_statistics: Type.Object({
      total_genes: Type.Integer(),
      total_evidence_records: Type.Integer(),
      active_sources: Type.Integer(),
      avg_sources_per_gene: Type.Number(),
    }),
  }),
  meta: Type.Object({
    ...metaFields,
    filter_tiers: Type.Union([Type.Array(Type.String()), Type.Null()], {
      description: 'The tiers asked for, or null',
    }),
  }),
});

const sourceDistribution = Type.Object({
  distribution: Type.Array(
    Type.Object({
      category: Type.Union([Type.String(), Type.Integer()], {
        description: 'A classification or HPO range (string), or a count (histograms)',
      }),
      gene_count: Type.Integer(),
    }),
  ),
  metadata: Type.Record(Type.String(), Type.Union([Type.String(), Type.Integer()]), {
    description:
      'Per source: max_providers / max_panels / max_publications, total_classifications, total_ranges, total_genes, visualization_type; note for a source without a distribution',
  }),
});

export const SourceDistributionsResponse = Type.Object({
  data: Type.Record(Type.String(), sourceDistribution, { description: 'Source name → its distribution' }),
  meta: Type.Object({ ...metaFields, source_count: Type.Integer({ description: 'Sources in data' }) }),
});

const intersection = Type.Object({
  sets: Type.Array(Type.String()),
  size: Type.Integer(),
  genes: Type.Optional(Type.Array(Type.String())),
});

export const SourceOverlapsResponse = Type.Object({
  data: Type.Object({
    sets: Type.Array(Type.Object({ name: Type.String(), size: Type.Integer() })),
    intersections: Type.Array(intersection),
    total_unique_genes: Type.Integer(),
    overlap_statistics: Type.Object({
      highest_overlap_count: Type.Integer(),
      genes_in_all_sources: Type.Integer(),
      single_source_combinations: Type.Integer(),
      total_combinations: Type.Integer(),
    }),
  }),
  meta,
});

export const StatisticsSummaryResponse = Type.Object({
  data: Type.Object({
    overview: Type.Object({
      total_genes: Type.Integer(),
      active_sources: Type.Integer(),
      total_intersections: Type.Integer(),
      genes_in_all_sources: Type.Integer(),
    }),
    quality: Type.Object({
      avg_sources_per_gene: Type.Number(),
      total_evidence_records: Type.Integer(),
      high_confidence_genes: Type.Integer(),
    }),
    coverage: Type.Object({
      single_source_genes: Type.Integer(),
      multi_source_genes: Type.Integer(),
      source_distribution_variety: Type.Integer(),
    }),
    pair_overlaps: Type.Array(
      Type.Object({
        source1: Type.String(),
        source2: Type.String(),
        overlap_count: Type.Integer(),
        source1_total: Type.Integer(),
        source2_total: Type.Integer(),
        overlap_percentage: Type.Union([Type.Number(), Type.Null()]),
      }),
    ),
  }),
  meta,
});
