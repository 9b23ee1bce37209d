import { type Static, Type } from '@sinclair/typebox';
import { EVIDENCE_TIERS, SOURCES } from '../genes/gene-repository.js';
import { TextParam } from '../http/params.js';

/** One `sources` value: a name or a comma list of the seven (repeats are allowed and merged). */
const SourceText = TextParam({ maxLength: 500 });
/** Repeated `sources` keys accepted: every source a few times over. */
const MAX_SOURCE_ITEMS = 50;

/** GET /api/statistics/source-overlaps: upstream's keys; `sources` repeats (?sources=A&sources=B) or is a comma list. */
export const SourceOverlapsQuerystring = Type.Object(
  {
    sources: Type.Optional(
      Type.Union([SourceText, Type.Array(SourceText, { maxItems: MAX_SOURCE_ITEMS })], {
        description: `Sources to include (repeat the key or use a comma list): ${SOURCES.join(', ')}`,
      }),
    ),
    'filter[hide_zero_scores]': Type.Optional(
      Type.Boolean({ default: true, description: 'Hide genes with percentage_score = 0 (default: true)' }),
    ),
    'filter[tier]': Type.Optional(
      TextParam({ maxLength: 500, description: `Comma list of tiers: ${EVIDENCE_TIERS.join(', ')}` }),
    ),
    detail: Type.Optional(
      Type.Boolean({ default: false, description: 'Include the gene symbols of each intersection' }),
    ),
  },
  { additionalProperties: false },
);
export type SourceOverlapsQuerystring = Static<typeof SourceOverlapsQuerystring>;

const meta = Type.Object({
  timestamp: Type.String(),
  description: Type.String(),
  query_duration_ms: Type.Number(),
  data_version: Type.String(),
  visualization_type: Type.String(),
  hide_zero_scores: Type.Optional(Type.Boolean()),
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
