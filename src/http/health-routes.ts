import type { FastifyPluginAsync } from 'fastify';
import { type Pool, poolStats } from '../db/pool.js';
import type { ReplicaStatus } from '../db/read-pool.js';
import { unavailableReason } from '../db/unavailable.js';
import { toError } from '../errors.js';
import { APP_NAME, APP_VERSION } from '../version.js';
import { DATABASE_RETRY_AFTER_SECONDS } from './errors.js';

export interface HealthRoutesOptions {
  pool: Pool;
  /** With DATABASE_READ_URL: where the views arm's reads go now (the read router's state, no query). */
  readReplica?: { readonly status: ReplicaStatus } | undefined;
}

/**
 * How long the probe waits for `select 1`. A load balancer's check must answer even when connecting hangs (a
 * partition: no refusal, no reply); 2 s is far above a healthy round trip (well under 10 ms here).
 */
const HEALTH_PROBE_TIMEOUT_MS = 2_000;

/** Resolves 'ok', or the error (a timeout included) the probe failed with. */
async function probe(pool: Pool): Promise<'ok' | Error> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<Error>((resolve) => {
    timer = setTimeout(
      () => resolve(new Error(`health probe timed out after ${HEALTH_PROBE_TIMEOUT_MS} ms`)),
      HEALTH_PROBE_TIMEOUT_MS,
    );
  });
  const query = pool.query('select 1').then(
    () => 'ok' as const,
    (raw: unknown) => toError(raw),
  );
  try {
    return await Promise.race([query, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** `none`: no read replica configured, every read goes to the primary. */
const readSchema = {
  type: 'object',
  properties: { replica: { type: 'string', enum: ['up', 'down', 'none'] } },
} as const;

const poolSchema = {
  type: 'object',
  properties: {
    total: { type: 'integer' },
    idle: { type: 'integer' },
    waiting: { type: 'integer' },
    max: { type: 'integer' },
  },
} as const;

export const healthRoutes: FastifyPluginAsync<HealthRoutesOptions> = async (app, { pool, readReplica }) => {
  const read = () => ({ replica: readReplica?.status ?? 'none' });
  app.get(
    '/health',
    {
      schema: {
        tags: ['System'],
        summary:
          'Database reachability, connection pool numbers and where reads go (503 with Retry-After when the database is unavailable)',
        response: {
          200: {
            type: 'object',
            properties: {
              status: { type: 'string' },
              database: { type: 'string' },
              database_latency_ms: { type: 'number' },
              pool: poolSchema,
              read: readSchema,
            },
          },
          503: {
            type: 'object',
            properties: {
              status: { type: 'string' },
              database: { type: 'string' },
              pool: poolSchema,
              read: readSchema,
            },
          },
        },
      },
    },
    async (request, reply) => {
      const started = performance.now();
      const outcome = await probe(pool);
      if (outcome !== 'ok') {
        // The driver's message names the server's address; it goes to the log, never to the caller.
        request.log.warn(
          { err: outcome, reason: unavailableReason(outcome) },
          'health: database unavailable',
        );
        return reply
          .status(503)
          .header('retry-after', DATABASE_RETRY_AFTER_SECONDS)
          .send({ status: 'unhealthy', database: 'unavailable', pool: poolStats(pool), read: read() });
      }
      return {
        status: 'healthy',
        database: 'ok',
        database_latency_ms: Math.round((performance.now() - started) * 1000) / 1000,
        pool: poolStats(pool),
        read: read(),
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
