import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { startEmbeddedPostgres } from './embedded.js';
import { createPool, type Pool } from './pool.js';

/** The process's one pool, and how to release it together with the embedded server when we own one. */
export interface Database {
  url: string;
  pool: Pool;
  embedded: boolean;
  close(): Promise<void>;
}

export async function openDatabase(
  config: Pick<Config, 'databaseUrl' | 'dataDir' | 'poolSize'>,
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
  return {
    url,
    pool,
    embedded: server !== undefined,
    close: async () => {
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
