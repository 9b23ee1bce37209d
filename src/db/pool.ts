import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { recordQuery } from '../request-timing.js';

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;
/** Anything that runs a query: the pool, or a client inside a transaction. */
export type Queryable = Pick<pg.Pool, 'query'> | pg.PoolClient;

// int8 (count(*), bigint ids) as JS numbers: every id and count here stays far below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number.parseInt(v, 10));

export interface PoolOptions {
  connectionString: string;
  max: number;
  applicationName?: string;
  /** How long a new connection may take before the query fails; default none (pg waits for the OS). */
  connectionTimeoutMs?: number;
}

/**
 * Named (prepared) statements run their generic plan from the first execution instead of planning five custom
 * plans first and then weighing the generic one (src/db/prepared.ts: their shapes are planned for any value).
 * Known problem: PostgreSQL applies the setting to unnamed statements with parameters too, so they also run a
 * generic plan, not one for their values (measured: `filter[max_count]=3` at 50,000 genes walks the score index,
 * 41 ms, where `auto` plans a 0.14 ms count-index scan). README, "Cache misses at 50,000 genes".
 */
const SESSION_OPTIONS = '-c plan_cache_mode=force_generic_plan';

export function createPool({
  connectionString,
  max,
  applicationName = 'kgdb',
  connectionTimeoutMs,
}: PoolOptions): Pool {
  const pool = new pg.Pool({
    connectionString,
    max,
    application_name: applicationName,
    options: SESSION_OPTIONS,
    ...(connectionTimeoutMs === undefined ? {} : { connectionTimeoutMillis: connectionTimeoutMs }),
  });
  // An idle client losing its server connection must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  timeQueries(pool);
  return pool;
}

/**
 * Reports the duration of every promise-style `pool.query` (pool wait included) to the current request's
 * timing (its Server-Timing header). Read at the call site, so the time lands on the request that asked.
 */
function timeQueries(pool: Pool): void {
  const query = pool.query.bind(pool) as (...args: unknown[]) => unknown;
  pool.query = ((...args: unknown[]) => {
    const started = performance.now();
    const result = query(...args);
    if (!(result instanceof Promise)) return result;
    const report = () => recordQuery(performance.now() - started);
    result.then(report, report);
    return result;
  }) as Pool['query'];
}

/**
 * Borrow a client for the callback; always released, even when the callback throws. pg-pool takes its own
 * 'error' listener off a borrowed client, so a connection lost meanwhile (the database stopping) would be an
 * uncaught exception: the listener here keeps it, and the broken client is destroyed on release.
 */
export async function withClient<T>(pool: Pool, fn: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let lost: Error | undefined;
  const onError = (err: Error) => {
    lost = err;
  };
  client.on('error', onError);
  try {
    return await fn(client);
  } finally {
    // A lost client keeps the listener: it may still report its end before it is destroyed.
    if (!lost) client.removeListener('error', onError);
    client.release(lost);
  }
}

/** Run the callback in one transaction: commit on success, roll back and rethrow on failure. */
export async function withTransaction<T>(pool: Pool, fn: (client: PoolClient) => Promise<T>): Promise<T> {
  return withClient(pool, async (client) => {
    await client.query('begin');
    try {
      const result = await fn(client);
      await client.query('commit');
      return result;
    } catch (err) {
      await client.query('rollback').catch(() => {
        // The connection is already broken; the original error is the one worth reporting.
      });
      throw err;
    }
  });
}

export function poolStats(pool: Pool): { total: number; idle: number; waiting: number; max: number } {
  return {
    total: pool.totalCount,
    idle: pool.idleCount,
    waiting: pool.waitingCount,
    max: pool.options.max ?? 10,
  };
}
