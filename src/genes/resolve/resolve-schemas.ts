import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { TextParam } from '../../http/params.js';
import { MATCH_KINDS, MAX_BULK_QUERIES, MAX_QUERY_LENGTH } from './resolve-query.js';

const QUERY_TEXT = {
  minLength: 1,
  maxLength: MAX_QUERY_LENGTH,
  description:
    'HGNC id (HGNC:9008 or 9008), approved symbol, previous symbol or alias (any case), Ensembl gene id ' +
    '(ENSG…, version suffix ignored) or NCBI gene id',
};

/** GET /api/genes/resolve: one query; any other key is a 400. */
export const ResolveQuerystring = Type.Object(
  { query: TextParam(QUERY_TEXT) },
  { additionalProperties: false },
);
export type ResolveQuerystring = Static<typeof ResolveQuerystring>;

/** POST /api/genes/resolve: 1..5000 queries, answered in order. */
export const BulkResolveBody = Type.Object(
  {
    queries: Type.Array(TextParam(QUERY_TEXT), {
      minItems: 1,
      maxItems: MAX_BULK_QUERIES,
      description: `The identifiers to resolve, at most ${MAX_BULK_QUERIES}`,
    }),
  },
  { additionalProperties: false },
);
export type BulkResolveBody = Static<typeof BulkResolveBody>;

const nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const MatchedBy = Type.String({ enum: [...MATCH_KINDS], description: 'How the query matched this gene' });

const resolvedGene = Type.Object({
  type: Type.Literal('genes'),
  id: Type.String(),
  attributes: Type.Object({
    hgnc_id: nullable(Type.String()),
    approved_symbol: Type.String(),
    aliases: Type.Array(Type.String()),
    previous_symbols: Type.Array(Type.String()),
    ensembl_gene_id: nullable(Type.String()),
    ncbi_gene_id: nullable(Type.String()),
    evidence_score: nullable(Type.Number()),
    evidence_tier: nullable(Type.String()),
    matched_by: MatchedBy,
  }),
});

export const ResolveResponse = Type.Object({
  data: Type.Union([resolvedGene, Type.Array(resolvedGene)], {
    description: 'The gene, or the candidates best first when the query is ambiguous',
  }),
  meta: Type.Object({ query: Type.String(), ambiguous: Type.Boolean() }),
});
export type ResolveResponse = Static<typeof ResolveResponse>;

const candidate = Type.Object({
  id: Type.Integer({ description: 'Gene id, as filter[ids] of GET /api/genes/ takes it' }),
  hgnc_id: nullable(Type.String()),
  approved_symbol: Type.String(),
  matched_by: MatchedBy,
});

export const BulkResolveResponse = Type.Object({
  data: Type.Array(
    Type.Object({
      query: Type.String(),
      status: Type.String({ enum: ['resolved', 'ambiguous', 'unresolved'] }),
      id: nullable(Type.Integer({ description: 'The gene id when resolved' })),
      candidates: Type.Array(candidate),
    }),
  ),
  meta: Type.Object({
    total: Type.Integer(),
    resolved: Type.Integer(),
    ambiguous: Type.Integer(),
    unresolved: Type.Array(Type.String(), { description: 'The queries no gene matched, in request order' }),
  }),
});
export type BulkResolveResponse = Static<typeof BulkResolveResponse>;
