import type { FastifyPluginAsync } from 'fastify';
import { type Pool, poolStats } from '../db/pool.js';
import { APP_NAME, APP_VERSION } from '../version.js';

export interface HealthRoutesOptions {
  pool: Pool;
}

const poolSchema = {
  type: 'object',
  properties: {
    total: { type: 'integer' },
    idle: { type: 'integer' },
    waiting: { type: 'integer' },
    max: { type: 'integer' },
  },
} as const;

export const healthRoutes: FastifyPluginAsync<HealthRoutesOptions> = async (app, { pool }) => {
  app.get(
    '/health',
    {
      schema: {
        tags: ['System'],
        summary: 'Database reachability and connection pool numbers (503 when the database is unreachable)',
        response: {
          200: {
            type: 'object',
            properties: {
              status: { type: 'string' },
              database: { type: 'string' },
              database_latency_ms: { type: 'number' },
              pool: poolSchema,
            },
          },
          503: {
            type: 'object',
            properties: { status: { type: 'string' }, database: { type: 'string' }, pool: poolSchema },
          },
        },
      },
    },
    async (_request, reply) => {
      const started = performance.now();
      try {
        await pool.query('select 1');
      } catch (raw) {
        return reply.status(503).send({
          status: 'unhealthy',
          database: `unreachable: ${(raw as Error).message}`,
          pool: poolStats(pool),
        });
      }
      return {
        status: 'healthy',
        database: 'ok',
        database_latency_ms: Math.round((performance.now() - started) * 1000) / 1000,
        pool: poolStats(pool),
      };
    },
  );

  app.get(
    '/version',
    { schema: { tags: ['System'], summary: 'Versions of the backend, database and runtime' } },
    async () => {
      const { rows } = await pool.query<{ server_version: string; migration: string | null }>(
        `select current_setting('server_version') as server_version,
              (select name from kgdb_migrations order by run_on desc, id desc limit 1) as migration`,
      );
      return {
        backend: { name: APP_NAME, version: APP_VERSION, type: 'Fastify' },
        database: { version: rows[0]?.server_version, migration: rows[0]?.migration ?? null },
        environment: { node: process.version },
      };
    },
  );
};
