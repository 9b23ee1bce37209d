import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { startEmbeddedPostgres } from './embedded.js';
import { createPool, type Pool } from './pool.js';
import { REPLICA_CONNECT_TIMEOUT_MS } from './read-pool.js';

/**
 * The process's primary pool (with DATABASE_READ_URL also the replica's, for the views arm's reads), and how to
 * release them together with the embedded server when we own one.
 */
export interface Database {
  url: string;
  pool: Pool;
  /** The read replica's pool; undefined without DATABASE_READ_URL. */
  readPool: Pool | undefined;
  embedded: boolean;
  close(): Promise<void>;
}

/**
 * The replica is not checked here: one that is down at start is a degraded start, not a failed one (its reads
 * go to the primary until it answers; src/db/read-pool.ts).
 */
function openReadPool(config: Pick<Config, 'databaseReadUrl' | 'poolSize'>): Pool | undefined {
  if (!config.databaseReadUrl) return undefined;
  return createPool({
    connectionString: config.databaseReadUrl,
    max: config.poolSize,
    applicationName: 'kgdb-read',
    connectionTimeoutMs: REPLICA_CONNECT_TIMEOUT_MS,
  });
}

export async function openDatabase(
  config: Pick<Config, 'databaseUrl' | 'databaseReadUrl' | 'dataDir' | 'poolSize'>,
  logger: Logger,
): Promise<Database> {
  const server = config.databaseUrl
    ? undefined
    : await startEmbeddedPostgres({ dataDir: config.dataDir, logger });
  const url = config.databaseUrl ?? server?.url;
  if (!url) throw new Error('no database URL');
  const pool = createPool({ connectionString: url, max: config.poolSize });
  try {
    await pool.query('select 1');
  } catch (raw) {
    await pool.end();
    await server?.stop();
    throw new Error(`Cannot connect to PostgreSQL at ${redact(url)}: ${(raw as Error).message}`, {
      cause: raw,
    });
  }
  const readPool = openReadPool(config);
  return {
    url,
    pool,
    readPool,
    embedded: server !== undefined,
    close: async () => {
      await readPool?.end();
      await pool.end();
      await server?.stop();
    },
  };
}

/** Connection strings in messages never show the password. */
function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '<invalid url>';
  }
}
