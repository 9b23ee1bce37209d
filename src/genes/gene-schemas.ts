import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { IntParam, NumberParam, TextParam } from '../http/params.js';
import { EVIDENCE_GROUPS, EVIDENCE_TIERS, SOURCES } from './gene-repository.js';
import { DEFAULT_SORT, SORT_FIELDS } from './gene-sort.js';

/** Upstream's limits: page[size] 1..100 on the route, at most 5000 ids in filter[ids]. */
const MAX_PAGE_SIZE = 100;
export const MAX_IDS = 5000;
const MAX_SEARCH_LENGTH = 200;
/** Keeps OFFSET = (page − 1) × size inside bigint and the request meaningful. */
const MAX_PAGE_NUMBER = 10_000_000;

/** Longest `sort` and `filter[tier]` accepted: every field or tier once, with signs and commas, fits easily. */
const MAX_LIST_TEXT = 500;
/** `filter[ids]`: MAX_IDS ids of up to 15 digits, comma-separated (the count itself is checked by parseIds). */
const MAX_IDS_TEXT = MAX_IDS * 16;

/** GET /api/genes/ query: upstream's literal keys; any other key is a 400 (additionalProperties: false). */
export const GeneListQuerystring = Type.Object(
  {
    'page[number]': Type.Optional(
      IntParam({ minimum: 1, maximum: MAX_PAGE_NUMBER, default: 1, description: 'Page number' }),
    ),
    'page[size]': Type.Optional(
      IntParam({ minimum: 1, maximum: MAX_PAGE_SIZE, default: 20, description: 'Items per page' }),
    ),
    'filter[search]': Type.Optional(
      TextParam({
        maxLength: MAX_SEARCH_LENGTH,
        description: 'Case-insensitive substring of symbol, HGNC id, tier or group; %, _ and \\ are literal',
      }),
    ),
    'filter[min_score]': Type.Optional(
      NumberParam({ minimum: 0, maximum: 100, description: 'Minimum evidence_score (percentage)' }),
    ),
    'filter[max_score]': Type.Optional(
      NumberParam({ minimum: 0, maximum: 100, description: 'Maximum evidence_score (percentage)' }),
    ),
    'filter[min_count]': Type.Optional(
      NumberParam({ minimum: 0, description: 'Minimum evidence_count (distinct sources)' }),
    ),
    'filter[max_count]': Type.Optional(
      NumberParam({ minimum: 0, description: 'Maximum evidence_count (distinct sources)' }),
    ),
    'filter[source]': Type.Optional(
      Type.String({ enum: [...SOURCES], description: 'Only genes with scored evidence from this source' }),
    ),
    'filter[hide_zero_scores]': Type.Optional(
      Type.Boolean({ default: true, description: 'Hide genes with evidence_score=0 (default: true)' }),
    ),
    'filter[tier]': Type.Optional(
      TextParam({
        maxLength: MAX_LIST_TEXT,
        description: `Comma list (OR) of evidence tiers: ${EVIDENCE_TIERS.join(', ')}`,
      }),
    ),
    'filter[group]': Type.Optional(
      Type.String({ enum: [...EVIDENCE_GROUPS], description: 'Filter by evidence group' }),
    ),
    'filter[ids]': Type.Optional(
      TextParam({ maxLength: MAX_IDS_TEXT, description: `Comma list of gene ids, at most ${MAX_IDS}` }),
    ),
    sort: Type.Optional(
      TextParam({
        maxLength: MAX_LIST_TEXT,
        default: DEFAULT_SORT,
        description: `Comma list of fields, - prefix for descending: ${Object.keys(SORT_FIELDS).join(', ')}`,
      }),
    ),
  },
  { additionalProperties: false },
);
export type GeneListQuerystring = Static<typeof GeneListQuerystring>;

export const GeneSymbolParams = Type.Object(
  {
    gene_symbol: TextParam({ minLength: 1, maxLength: 100, description: 'Gene symbol (case-insensitive)' }),
  },
  { additionalProperties: false },
);
export type GeneSymbolParams = Static<typeof GeneSymbolParams>;

/** Routes without query parameters still reject unknown ones. */

// ---- responses ------------------------------------------------------------------------------------------

const nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const scoreMap = Type.Record(Type.String(), Type.Number());

const geneAttributes = {
  hgnc_id: nullable(Type.String()),
  approved_symbol: Type.String(),
  aliases: Type.Array(Type.String()),
  created_at: Type.String({ format: 'date-time' }),
  updated_at: Type.String({ format: 'date-time' }),
  evidence_count: Type.Integer(),
  evidence_score: nullable(Type.Number()),
  evidence_tier: nullable(Type.String()),
  evidence_group: nullable(Type.String()),
  sources: Type.Array(Type.String()),
};

const geneResource = Type.Object({
  type: Type.Literal('genes'),
  id: Type.String(),
  attributes: Type.Object(geneAttributes),
});

const countsByTier = Type.Record(Type.String(), Type.Integer());

export const GeneListResponse = Type.Object({
  data: Type.Array(geneResource),
  meta: Type.Object({
    total: Type.Integer(),
    page: Type.Integer(),
    per_page: Type.Integer(),
    page_count: Type.Integer(),
    filters: Type.Object({
      evidence_score: Type.Object({ min: Type.Number(), max: Type.Number() }),
      evidence_count: Type.Object({ min: Type.Integer(), max: Type.Integer() }),
      available_sources: Type.Array(Type.String()),
    }),
    evidence_tiers: Type.Object({ well_supported: countsByTier, emerging_evidence: countsByTier }),
    valid_tiers: Type.Array(Type.String()),
    valid_groups: Type.Array(Type.String()),
    total_genes: Type.Integer(),
    hidden_zero_scores: Type.Integer(),
  }),
  links: Type.Object({
    self: Type.String(),
    first: Type.String(),
    last: Type.String(),
    prev: nullable(Type.String()),
    next: nullable(Type.String()),
  }),
});
export type GeneListResponse = Static<typeof GeneListResponse>;

export const GeneDetailResponse = Type.Object({
  data: Type.Object({
    type: Type.Literal('genes'),
    id: Type.String(),
    attributes: Type.Object({ ...geneAttributes, score_breakdown: scoreMap, source_scores: scoreMap }),
  }),
});
export type GeneDetailResponse = Static<typeof GeneDetailResponse>;

export const GeneEvidenceResponse = Type.Object({
  data: Type.Array(
    Type.Object({
      type: Type.Literal('evidence'),
      id: Type.String(),
      attributes: Type.Object({
        source_name: Type.String(),
        source_detail: nullable(Type.String()),
        evidence_data: Type.Unknown(),
        evidence_date: nullable(Type.String({ format: 'date' })),
        created_at: Type.String({ format: 'date-time' }),
        normalized_score: Type.Number(),
      }),
      relationships: Type.Object({
        gene: Type.Object({ data: Type.Object({ type: Type.Literal('genes'), id: Type.String() }) }),
      }),
    }),
  ),
  meta: Type.Object({ gene_symbol: Type.String(), gene_id: Type.Integer(), evidence_count: Type.Integer() }),
});
export type GeneEvidenceResponse = Static<typeof GeneEvidenceResponse>;
