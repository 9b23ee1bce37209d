import type { FastifyInstance } from 'fastify';
import type { Config } from './config.js';
import { DEFAULT_DEMO, seedDemo } from './data/demo/seed-demo.js';
import { type Database, openDatabase } from './db/database.js';
import { migrate } from './db/migrate.js';
import { buildApp } from './http/app.js';
import type { Logger } from './logger.js';
import type { Progress } from './progress.js';

export interface RunningServer {
  app: FastifyInstance;
  db: Database;
  address: string;
  /** Stop accepting, drain in-flight requests, close the pool, stop the embedded server. */
  close(): Promise<void>;
}

/** The composition root of `kgdb serve`: database, schema, demo data on first start, then HTTP. */
export async function startServer(
  config: Config,
  logger: Logger,
  progress: Progress,
): Promise<RunningServer> {
  const db = await openDatabase(config, logger);
  try {
    await migrate(db.pool, logger);
    if (config.seedDemoOnEmpty) {
      const { rows } = await db.pool.query<{ empty: boolean }>(
        'select not exists (select 1 from genes) as empty',
      );
      if (rows[0]?.empty) {
        logger.info(DEFAULT_DEMO, 'empty database: loading the demo dataset');
        await seedDemo(db.pool, DEFAULT_DEMO, progress);
      }
    }
    const app = await buildApp({ logger, pool: db.pool });
    const address = await app.listen({ host: config.host, port: config.port });
    return {
      app,
      db,
      address,
      close: async () => {
        await app.close();
        await db.close();
      },
    };
  } catch (err) {
    await db.close();
    throw err;
  }
}
