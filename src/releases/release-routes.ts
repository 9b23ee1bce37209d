// Adds the OpenAPI keywords (tags, summary) to Fastify's route schema type.
import type {} from '@fastify/swagger';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { principalActor, principalUserId } from '../auth/auth-types.js';
import type { Pool } from '../db/pool.js';
import { KgdbError } from '../errors.js';
import type { ExportSlots } from '../export/export-slots.js';
import { type ExportFormat, exportFileName } from '../export/table-export.js';
import {
  asAttachment,
  EXPORT_FILE_RESPONSE,
  GeneExportQuerystring,
  givenFilters,
  noPages,
} from '../genes/export/gene-export-routes.js';
import { toGeneListQuery } from '../genes/gene-list-query.js';
import type { GeneListQuery } from '../genes/gene-repository.js';
import { createRelease } from './freeze.js';
import { classifyDiff } from './release-diff.js';
import { releaseExport } from './release-export.js';
import {
  type Actor,
  deleteRelease,
  getRelease,
  listReleases,
  publishRelease,
  type ReleaseStatus,
  releaseDiffRows,
  releaseGenePage,
} from './release-repository.js';
import { toReleaseGenesResponse, toReleaseResource } from './release-response.js';
import {
  CreateReleaseBody,
  DEFAULT_MIN_SCORE_CHANGE,
  ReleaseDiffParams,
  ReleaseDiffQuerystring,
  ReleaseDiffResponse,
  ReleaseGenesQuerystring,
  ReleaseGenesResponse,
  ReleaseListQuerystring,
  ReleaseListResponse,
  ReleaseParams,
  ReleaseResponse,
} from './release-schemas.js';

export interface ReleaseRoutesOptions {
  pool: Pool;
  /** The process's export slots, shared with the gene export. */
  exportSlots: ExportSlots;
}

const TAGS = ['Releases'];
const ADMIN = { role: 'admin' as const };

const queryParams = (url: string) =>
  new URLSearchParams(url.includes('?') ? url.slice(url.indexOf('?') + 1) : '');

/** page[number] / page[size], or upstream's limit / offset; not both. */
function pagingOf(
  query: GeneListQuery,
  limit: number | undefined,
  offset: number | undefined,
  url: string,
): { limit: number; offset: number } {
  if (limit === undefined && offset === undefined) {
    return { limit: query.size, offset: (query.page - 1) * query.size };
  }
  // As sent: the schema's defaults fill in page[number] and page[size] whenever they are absent.
  const sent = queryParams(url);
  const pageKey = ['page[number]', 'page[size]'].find((key) => sent.has(key));
  if (pageKey !== undefined) {
    throw new KgdbError('INVALID_PARAMETER', {
      parameter: limit === undefined ? 'offset' : 'limit',
      detail: `Page with either limit / offset or page[number] / page[size], not both (got ${pageKey})`,
    });
  }
  return { limit: limit ?? query.size, offset: offset ?? 0 };
}

const actorOf = (request: FastifyRequest): Actor => ({
  name: principalActor(request.user ?? null),
  userId: principalUserId(request.user ?? null),
});

/** /api/releases: frozen, citable copies of the scored gene list (docs/api.md, "Releases"). Reads are public. */
export const releaseRoutes: FastifyPluginAsync<ReleaseRoutesOptions> = async (app, { pool, exportSlots }) => {
  app.get<{ Querystring: ReleaseListQuerystring }>(
    '/',
    {
      schema: {
        tags: TAGS,
        summary: 'Releases, newest first',
        querystring: ReleaseListQuerystring,
        response: { 200: ReleaseListResponse },
      },
    },
    async (request) => {
      const limit = request.query.limit ?? 100;
      const offset = request.query.offset ?? 0;
      const { releases, total } = await listReleases(pool, {
        ...(request.query.status !== undefined && { status: request.query.status as ReleaseStatus }),
        limit,
        offset,
      });
      return { data: releases.map(toReleaseResource), meta: { total, limit, offset } };
    },
  );

  app.post<{ Body: CreateReleaseBody }>(
    '/',
    {
      config: ADMIN,
      schema: {
        tags: TAGS,
        summary: 'Freeze the scored gene list into a new release (a draft unless publish is true)',
        body: CreateReleaseBody,
        response: { 201: ReleaseResponse },
      },
    },
    async (request, reply) => {
      const release = await createRelease(pool, {
        version: request.body.version,
        notes: request.body.release_notes ?? null,
        publish: request.body.publish ?? false,
        actor: actorOf(request),
      });
      return reply.status(201).send({ data: toReleaseResource(release) });
    },
  );

  app.get<{ Params: ReleaseParams }>(
    '/:version',
    {
      schema: {
        tags: TAGS,
        summary: 'One release by version',
        params: ReleaseParams,
        response: { 200: ReleaseResponse },
      },
    },
    async (request) => ({ data: toReleaseResource(await getRelease(pool, request.params.version)) }),
  );

  app.post<{ Params: ReleaseParams }>(
    '/:version/publish',
    {
      config: ADMIN,
      schema: {
        tags: TAGS,
        summary: 'Publish a draft release (409 when published already)',
        params: ReleaseParams,
        response: { 200: ReleaseResponse },
      },
    },
    async (request) => ({
      data: toReleaseResource(await publishRelease(pool, request.params.version, actorOf(request))),
    }),
  );

  app.delete<{ Params: ReleaseParams }>(
    '/:version',
    {
      config: ADMIN,
      schema: {
        tags: TAGS,
        summary: 'Delete a draft release (409 for a published one)',
        params: ReleaseParams,
        response: { 204: { type: 'null', description: 'Deleted' } },
      },
    },
    async (request, reply) => {
      await deleteRelease(pool, request.params.version);
      return reply.status(204).send();
    },
  );

  app.get<{ Params: ReleaseParams; Querystring: ReleaseGenesQuerystring }>(
    '/:version/genes',
    {
      schema: {
        tags: TAGS,
        summary: "A release's frozen genes with the gene list's filters, sort and pages (JSON:API)",
        params: ReleaseParams,
        querystring: ReleaseGenesQuerystring,
        response: { 200: ReleaseGenesResponse },
      },
    },
    async (request) => {
      const { limit, offset, ...listQuery } = request.query;
      const query = toGeneListQuery(listQuery);
      const paging = pagingOf(query, limit, offset, request.url);
      const release = await getRelease(pool, request.params.version);
      const page = await releaseGenePage(pool, release.id, query, paging);
      return toReleaseGenesResponse(
        release.version,
        page,
        { page: Math.floor(paging.offset / paging.limit) + 1, size: paging.limit },
        paging.offset,
        request.url,
      );
    },
  );

  app.get<{ Params: ReleaseParams; Querystring: GeneExportQuerystring }>(
    '/:version/export',
    {
      preValidation: noPages,
      schema: {
        tags: TAGS,
        summary:
          "A release's frozen genes as CSV, TSV, JSON or XLSX; without filters and as CSV, the bytes export_checksum is the SHA-256 of",
        params: ReleaseParams,
        querystring: GeneExportQuerystring,
        response: { 200: EXPORT_FILE_RESPONSE },
      },
    },
    async (request, reply) => {
      const format = (request.query.format ?? 'csv') as ExportFormat;
      const query = toGeneListQuery(request.query);
      const release = await getRelease(pool, request.params.version);
      const file = exportFileName(`kgdb-release-${release.version}`, format);
      // HEAD: the headers only; the export is not run to be thrown away.
      if (request.method === 'HEAD') return asAttachment(reply, format, file).send();
      exportSlots.take(reply.raw);
      const body = await releaseExport(pool, release, format, query, givenFilters(request.url));
      return asAttachment(reply, format, file).send(body);
    },
  );

  app.get<{ Params: ReleaseDiffParams; Querystring: ReleaseDiffQuerystring }>(
    '/:a/diff/:b',
    {
      schema: {
        tags: TAGS,
        summary:
          'Genes added, removed and re-tiered from release a to b, and score changes above a threshold',
        params: ReleaseDiffParams,
        querystring: ReleaseDiffQuerystring,
        response: { 200: ReleaseDiffResponse },
      },
    },
    async (request) => {
      const { a, b } = request.params;
      const threshold = request.query.min_score_change ?? DEFAULT_MIN_SCORE_CHANGE;
      const [from, to] = await Promise.all([getRelease(pool, a, 'a'), getRelease(pool, b, 'b')]);
      const diff = classifyDiff(await releaseDiffRows(pool, from.id, to.id, threshold), threshold);
      return {
        data: diff,
        meta: {
          from: from.version,
          to: to.version,
          min_score_change: threshold,
          added: diff.added.length,
          removed: diff.removed.length,
          retiered: diff.retiered.length,
          score_changes: diff.score_changes.length,
        },
      };
    },
  );
};
