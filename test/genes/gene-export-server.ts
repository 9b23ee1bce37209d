import { buffer } from 'node:stream/consumers';
import Fastify from 'fastify';
import { createPool } from '../../src/db/pool.js';
import { createExportSlots, exportSlotCount } from '../../src/export/export-slots.js';
import { type ExportFormat, exportContentType, exportStream } from '../../src/export/table-export.js';
import { GENE_EXPORT_COLUMNS } from '../../src/genes/export/gene-export-columns.js';
import { geneExportRoutes } from '../../src/genes/export/gene-export-routes.js';
import { geneExportSql } from '../../src/genes/export/gene-export-rows.js';
import { type RawGeneRow, toGeneRow } from '../../src/genes/views/gene-rows.js';
import { paramKeywords } from '../../src/http/params.js';

/**
 * The export route alone in a process of its own, so gene-export-rss.db.test.ts reads this process's memory
 * (/proc/<pid>/status) while it streams. Only the route and its pool: another feature's work in progress cannot
 * stop it from starting. GET /buffered-export is the comparison a memory bound must tell apart: every row
 * fetched at once and the whole file made in memory before it is sent. Prints its port when it listens.
 */
const POOL_MAX = 4;
const pool = createPool({ connectionString: process.env.DATABASE_URL ?? '', max: POOL_MAX });
const app = Fastify({
  ajv: { customOptions: { removeAdditional: false, coerceTypes: true }, plugins: [paramKeywords] },
});
await app.register(geneExportRoutes, {
  prefix: '/api/genes',
  db: () => pool,
  now: () => new Date(),
  exportSlots: createExportSlots(exportSlotCount(POOL_MAX)),
});
app.get<{ Querystring: { format: ExportFormat } }>('/buffered-export', async (request, reply) => {
  const { format } = request.query;
  const { text, values } = geneExportSql({ filters: { hideZeroScores: false }, sort: [] });
  const rows = (await pool.query<RawGeneRow>(text, values)).rows.map(toGeneRow);
  async function* all() {
    yield* rows;
  }
  const meta = { title: 'buffered', release: null, filters: {}, generatedAt: new Date().toISOString() };
  const body = await buffer(exportStream(all(), format, GENE_EXPORT_COLUMNS, meta));
  return reply.header('content-type', exportContentType(format)).send(body);
});
const address = await app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`${new URL(address).port}\n`);
process.on('SIGTERM', () => {
  void app
    .close()
    .then(() => pool.end())
    .then(() => process.exit(0));
});
