// Adds the OpenAPI keywords (tags, summary) to Fastify's route schema type.
import type {} from '@fastify/swagger';
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyPluginAsync, FastifyReply, preValidationAsyncHookHandler } from 'fastify';
import type { Pool } from '../../db/pool.js';
import { started } from '../../db/row-stream.js';
import { KgdbError } from '../../errors.js';
import type { ExportSlots } from '../../export/export-slots.js';
import {
  EXPORT_FORMATS,
  type ExportFormat,
  type ExportMeta,
  exportContentType,
  exportFileName,
  exportStream,
} from '../../export/table-export.js';
import { toGeneListQuery } from '../gene-list-query.js';
import { GeneListQuerystring } from '../gene-schemas.js';
import { GENE_EXPORT_COLUMNS } from './gene-export-columns.js';
import { geneExportRows } from './gene-export-rows.js';

export interface GeneExportRoutesOptions {
  /** Where the rows are read: a pool, asked per export (a read replica while it is up). */
  db: () => Pool;
  now: () => Date;
  /** The process's export slots, shared with the release export. */
  exportSlots: ExportSlots;
}

const PAGE_KEYS = ['page[number]', 'page[size]'] as const;
const { [PAGE_KEYS[0]]: _number, [PAGE_KEYS[1]]: _size, ...listParams } = GeneListQuerystring.properties;

/** The list's filters and sort, without pages, and the format. */
export const GeneExportQuerystring = Type.Object(
  {
    format: Type.Optional(
      Type.String({
        enum: [...EXPORT_FORMATS],
        default: 'csv',
        description: `File format: ${EXPORT_FORMATS.join(', ')} (default csv)`,
      }),
    ),
    ...listParams,
  },
  { additionalProperties: false },
);
export type GeneExportQuerystring = Static<typeof GeneExportQuerystring>;

/** The filter and sort parameters, in the schema's order (the metadata's stable order). */
const FILTER_KEYS = Object.keys(listParams);

/** A paging parameter gets its own words, not just "unknown parameter": the list takes it, the export not. */
export const noPages: preValidationAsyncHookHandler = async (request) => {
  const query = request.query as Record<string, unknown>;
  const key = PAGE_KEYS.find((k) => k in query);
  if (key !== undefined) {
    throw new KgdbError('INVALID_PARAMETER', {
      parameter: key,
      detail: `The export has no pages: it holds every gene the filters match. Remove ${key}`,
    });
  }
};

/** The filters and sort as the client wrote them (URL-decoded), in FILTER_KEYS order. */
export function givenFilters(url: string): Record<string, string> {
  const q = url.indexOf('?');
  const given = new URLSearchParams(q === -1 ? '' : url.slice(q + 1));
  const filters: Record<string, string> = {};
  for (const key of FILTER_KEYS) {
    const value = given.get(key);
    if (value !== null) filters[key] = value;
  }
  return filters;
}

/** The metadata of a gene export; `release` null for the live list. */
export function geneExportMeta(
  filters: Record<string, string>,
  generatedAt: string,
  release: string | null = null,
): ExportMeta {
  return { title: 'kgdb gene list', release, filters, generatedAt };
}

const FILE_SCHEMA = { type: 'string', description: 'The file, streamed' } as const;

/** The 200 of an export route in OpenAPI: one content type per format. */
export const EXPORT_FILE_RESPONSE = {
  description: 'An attachment; the metadata (release, filters, generated_at) is in the file',
  content: Object.fromEntries(
    EXPORT_FORMATS.map((format) => [
      exportContentType(format).split(';')[0],
      { schema: format === 'xlsx' ? { ...FILE_SCHEMA, format: 'binary' } : FILE_SCHEMA },
    ]),
  ),
};

/**
 * The file's headers. Set once the rows have started (or for HEAD): an error answered before that must not
 * arrive as a download of the error's JSON.
 */
export function asAttachment(reply: FastifyReply, format: ExportFormat, file: string): FastifyReply {
  return reply
    .header('content-type', exportContentType(format))
    .header('content-disposition', `attachment; filename="${file}"`)
    .header('cache-control', 'no-store');
}

/** GET /api/genes/export: the gene list as a file, streamed from a cursor. */
export const geneExportRoutes: FastifyPluginAsync<GeneExportRoutesOptions> = async (
  app,
  { db, now, exportSlots },
) => {
  app.get<{ Querystring: GeneExportQuerystring }>(
    '/export',
    {
      preValidation: noPages,
      schema: {
        tags: ['Core Resources - Genes'],
        summary: 'Every gene the list filters match, as CSV, TSV, JSON or XLSX (streamed, no pages)',
        querystring: GeneExportQuerystring,
        response: { 200: EXPORT_FILE_RESPONSE },
      },
    },
    async (request, reply) => {
      const format: ExportFormat = (request.query.format as ExportFormat | undefined) ?? 'csv';
      const query = toGeneListQuery(request.query);
      const generatedAt = now().toISOString();
      const file = exportFileName(`kgdb-genes-${generatedAt.slice(0, 10)}`, format);
      // HEAD: the headers only; the export is not run to be thrown away.
      if (request.method === 'HEAD') return asAttachment(reply, format, file).send();
      exportSlots.take(reply.raw);
      const rows = await started(geneExportRows(db(), query));
      const meta = geneExportMeta(givenFilters(request.url), generatedAt);
      return asAttachment(reply, format, file).send(exportStream(rows, format, GENE_EXPORT_COLUMNS, meta));
    },
  );
};
