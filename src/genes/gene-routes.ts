// Adds the OpenAPI keywords (tags, summary) to Fastify's route schema type.
import type {} from '@fastify/swagger';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { Cache } from '../cache/cache-types.js';
import { KgdbError } from '../errors.js';
import { NoQuerystring } from '../http/params.js';
import { represent, representationBytes, sendRepresentation } from '../http/representation.js';
import { toGeneListQuery } from './gene-list-query.js';
import { toDetailResponse, toEvidenceResponse, toListResponse } from './gene-response.js';
import {
  GeneDetailResponse,
  GeneEvidenceResponse,
  GeneListQuerystring,
  GeneListResponse,
  GeneSymbolParams,
} from './gene-schemas.js';
import type { GeneService } from './gene-service.js';

export interface GeneRoutesOptions {
  /** Decides which arm answers each request (src/genes/gene-service.ts). */
  genes: GeneService;
  /** The cache the views arm answers from: what is sent is kept with the entry it was made from. */
  bodies: Pick<Cache, 'rendition'>;
}

const TAGS = ['Core Resources - Genes'];

/** What a kept body adds to its cache entry: its bytes, compressed forms included. */
const BODY_SIZE = { bytes: representationBytes };

const notFound = (symbol: string) =>
  new KgdbError('GENE_NOT_FOUND', { parameter: 'gene_symbol', detail: `Gene '${symbol}' not found` });

/** GET /api/genes/, /api/genes/{gene_symbol}, /api/genes/{gene_symbol}/evidence. */
export const geneRoutes: FastifyPluginAsync<GeneRoutesOptions> = async (app, { genes, bodies }) => {
  /**
   * Sends `value` as the route's response schema serializes `toResponse()`, with an ETag and If-None-Match.
   * When the value is a cache entry's (the views arm, cache live), the serialized bytes and their compressed
   * forms are made once and kept with that entry, so a hit skips building, serializing and compressing; any
   * other value (the legacy arm, the cache bypassed) is serialized for this request only, uncompressed.
   * `variant`: what else the body depends on besides the value.
   */
  const send = (
    request: FastifyRequest,
    reply: FastifyReply,
    value: object,
    variant: string,
    toResponse: () => unknown,
  ) => {
    const body = bodies.rendition(
      value,
      variant,
      (kept) => represent(reply.serialize(toResponse()), { compress: kept }),
      BODY_SIZE,
    );
    return sendRepresentation(request, reply, body);
  };

  app.get<{ Querystring: GeneListQuerystring }>(
    '/',
    {
      schema: {
        tags: TAGS,
        summary: 'Genes with search, filters, sort and pages (JSON:API)',
        querystring: GeneListQuerystring,
        response: { 200: GeneListResponse },
      },
    },
    async (request, reply) => {
      const query = toGeneListQuery(request.query);
      const page = await genes.list(query, request);
      // The links repeat the URL as sent: one body per spelling of the request.
      return send(request, reply, page, request.url, () => toListResponse(page, query, request.url));
    },
  );

  app.get<{ Params: GeneSymbolParams }>(
    '/:gene_symbol',
    {
      schema: {
        tags: TAGS,
        summary: 'One gene by symbol (case-insensitive), with its score breakdown',
        params: GeneSymbolParams,
        querystring: NoQuerystring,
        response: { 200: GeneDetailResponse },
      },
    },
    async (request, reply) => {
      const gene = await genes.detail(request.params.gene_symbol, request);
      if (!gene) throw notFound(request.params.gene_symbol);
      return send(request, reply, gene, 'detail', () => toDetailResponse(gene));
    },
  );

  app.get<{ Params: GeneSymbolParams }>(
    '/:gene_symbol/evidence',
    {
      schema: {
        tags: TAGS,
        summary: "A gene's evidence rows with their normalized scores",
        params: GeneSymbolParams,
        querystring: NoQuerystring,
        response: { 200: GeneEvidenceResponse },
      },
    },
    async (request, reply) => {
      const evidence = await genes.evidence(request.params.gene_symbol, request);
      if (!evidence) throw notFound(request.params.gene_symbol);
      return send(request, reply, evidence, 'evidence', () => toEvidenceResponse(evidence));
    },
  );
};
