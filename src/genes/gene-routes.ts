// Adds the OpenAPI keywords (tags, summary) to Fastify's route schema type.
import type {} from '@fastify/swagger';
import type { FastifyPluginAsync } from 'fastify';
import { KgdbError } from '../errors.js';
import { toGeneListQuery } from './gene-list-query.js';
import { toDetailResponse, toEvidenceResponse, toListResponse } from './gene-response.js';
import {
  GeneDetailResponse,
  GeneEvidenceResponse,
  GeneListQuerystring,
  GeneListResponse,
  GeneSymbolParams,
  NoQuerystring,
} from './gene-schemas.js';
import type { GeneService } from './gene-service.js';

export interface GeneRoutesOptions {
  /** Decides which arm answers each request (src/genes/gene-service.ts). */
  genes: GeneService;
}

const TAGS = ['Core Resources - Genes'];

const notFound = (symbol: string) =>
  new KgdbError('GENE_NOT_FOUND', { parameter: 'gene_symbol', detail: `Gene '${symbol}' not found` });

/** GET /api/genes/, /api/genes/{gene_symbol}, /api/genes/{gene_symbol}/evidence. */
export const geneRoutes: FastifyPluginAsync<GeneRoutesOptions> = async (app, { genes }) => {
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
    async (request) => {
      const query = toGeneListQuery(request.query);
      return toListResponse(await genes.list(query, request), query, request.url);
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
    async (request) => {
      const gene = await genes.detail(request.params.gene_symbol, request);
      if (!gene) throw notFound(request.params.gene_symbol);
      return toDetailResponse(gene);
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
    async (request) => {
      const evidence = await genes.evidence(request.params.gene_symbol, request);
      if (!evidence) throw notFound(request.params.gene_symbol);
      return toEvidenceResponse(evidence);
    },
  );
};
