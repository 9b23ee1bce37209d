// Adds the OpenAPI keywords (tags, summary) to Fastify's route schema type.
import type {} from '@fastify/swagger';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { KgdbError } from '../errors.js';
import { toGeneListQuery } from './gene-list-query.js';
import type { GeneRepository } from './gene-repository.js';
import { toDetailResponse, toEvidenceResponse, toListResponse } from './gene-response.js';
import {
  GeneDetailResponse,
  GeneEvidenceResponse,
  GeneListQuerystring,
  GeneListResponse,
  GeneSymbolParams,
  NoQuerystring,
} from './gene-schemas.js';
import { queryErrorFormatter } from './query-error-formatter.js';

export interface GeneRoutesOptions {
  /**
   * The repository that serves this request: one fixed repository, or the rollout switch's choice for this
   * caller (legacy or views, with the shadow experiment), built by the composition root.
   */
  genesFor: (request: FastifyRequest) => GeneRepository;
}

const TAGS = ['Core Resources - Genes'];

const notFound = (symbol: string) =>
  new KgdbError('GENE_NOT_FOUND', { parameter: 'gene_symbol', detail: `Gene '${symbol}' not found` });

/** GET /api/genes/, /api/genes/{gene_symbol}, /api/genes/{gene_symbol}/evidence (DESIGN §5). */
export const geneRoutes: FastifyPluginAsync<GeneRoutesOptions> = async (app, { genesFor }) => {
  app.get<{ Querystring: GeneListQuerystring }>(
    '/',
    {
      schema: {
        tags: TAGS,
        summary: 'Genes with search, filters, sort and pages (JSON:API)',
        querystring: GeneListQuerystring,
        response: { 200: GeneListResponse },
      },
      schemaErrorFormatter: queryErrorFormatter(GeneListQuerystring),
    },
    async (request) => {
      const query = toGeneListQuery(request.query);
      return toListResponse(await genesFor(request).list(query), query, request.url);
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
      schemaErrorFormatter: queryErrorFormatter(NoQuerystring),
    },
    async (request) => {
      const gene = await genesFor(request).findBySymbol(request.params.gene_symbol);
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
      schemaErrorFormatter: queryErrorFormatter(NoQuerystring),
    },
    async (request) => {
      const evidence = await genesFor(request).evidence(request.params.gene_symbol);
      if (!evidence) throw notFound(request.params.gene_symbol);
      return toEvidenceResponse(evidence);
    },
  );
};
