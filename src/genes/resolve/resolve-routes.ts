// Adds the OpenAPI keywords (tags, summary) to Fastify's route schema type.
import type {} from '@fastify/swagger';
import type { FastifyPluginAsync } from 'fastify';
import { KgdbError } from '../../errors.js';
import {
  type Candidate,
  MAX_BULK_QUERIES,
  MAX_QUERY_LENGTH,
  queryKeys,
  resolveAll,
} from './resolve-query.js';
import type { ResolvedGene, ResolveRepository } from './resolve-repository.js';
import {
  BulkResolveBody,
  BulkResolveResponse,
  ResolveQuerystring,
  ResolveResponse,
} from './resolve-schemas.js';

export interface ResolveRoutesOptions {
  resolve: ResolveRepository;
}

/**
 * Room for the most the schema accepts: every query at its longest and every character JSON-escaped (`\uXXXX`,
 * 6 bytes), with its quotes and comma, so a valid body is never a 413 — Fastify's default (1 MiB) is not.
 */
const BULK_BODY_LIMIT = MAX_BULK_QUERIES * (MAX_QUERY_LENGTH * 6 + 3) + 1024;

const TAGS = ['Core Resources - Genes'];

function resource({ gene, matched_by }: Candidate<ResolvedGene>) {
  const { id, ...attributes } = gene;
  return { type: 'genes' as const, id: String(id), attributes: { ...attributes, matched_by } };
}

/** GET and POST /api/genes/resolve: identifiers → genes (docs/api.md, "Resolve gene identifiers"). */
export const resolveRoutes: FastifyPluginAsync<ResolveRoutesOptions> = async (app, { resolve }) => {
  app.get<{ Querystring: ResolveQuerystring }>(
    '/resolve',
    {
      schema: {
        tags: TAGS,
        summary: 'Resolve one gene identifier (HGNC id, symbol, alias, previous symbol, Ensembl or NCBI id)',
        querystring: ResolveQuerystring,
        response: { 200: ResolveResponse },
      },
    },
    async (request) => {
      const { query } = request.query;
      const keys = queryKeys(query, 'query');
      const [resolution] = resolveAll([{ query, keys }], await resolve.findByKeys(keys));
      const candidates = resolution?.candidates ?? [];
      const [only] = candidates;
      if (!only) {
        throw new KgdbError('GENE_NOT_FOUND', {
          parameter: 'query',
          detail: `No gene matches '${query}' as an HGNC id, symbol, previous symbol, alias, Ensembl or NCBI gene id`,
        });
      }
      const ambiguous = candidates.length > 1;
      return { data: ambiguous ? candidates.map(resource) : resource(only), meta: { query, ambiguous } };
    },
  );

  app.post<{ Body: BulkResolveBody }>(
    '/resolve',
    {
      bodyLimit: BULK_BODY_LIMIT,
      schema: {
        tags: TAGS,
        summary: 'Resolve up to 5000 gene identifiers in one call, answered in request order',
        body: BulkResolveBody,
        response: { 200: BulkResolveResponse },
      },
    },
    async (request) => {
      const queries = request.body.queries.map((query, i) => ({
        query,
        keys: queryKeys(query, `queries[${i}]`),
      }));
      const resolutions = resolveAll(queries, await resolve.findByKeys(queries.flatMap((q) => q.keys)));
      const data = resolutions.map(({ query, status, candidates }) => ({
        query,
        status,
        id: status === 'resolved' ? (candidates[0]?.gene.id ?? null) : null,
        candidates: candidates.map(({ gene, matched_by }) => ({
          id: gene.id,
          hgnc_id: gene.hgnc_id,
          approved_symbol: gene.approved_symbol,
          matched_by,
        })),
      }));
      const count = (status: string) => data.filter((d) => d.status === status).length;
      return {
        data,
        meta: {
          total: data.length,
          resolved: count('resolved'),
          ambiguous: count('ambiguous'),
          unresolved: data.filter((d) => d.status === 'unresolved').map((d) => d.query),
        },
      };
    },
  );
};
