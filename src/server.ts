import type { FastifyInstance } from 'fastify';
import { createAuthDeps } from './auth/auth-deps.js';
import { resolveJwtSecret } from './auth/jwt-secret.js';
import type { Config } from './config.js';
import { DEFAULT_DEMO, seedDemo } from './data/demo/seed-demo.js';
import { type Database, openDatabase } from './db/database.js';
import { migrate } from './db/migrate.js';
import { createLegacyGeneRepository } from './genes/legacy-gene-repository.js';
import { createViewGeneRepository } from './genes/view-gene-repository.js';
import { buildApp } from './http/app.js';
import type { Logger } from './logger.js';
import { createLegacyLogRepository } from './logs/legacy-log-repository.js';
import { createViewLogRepository } from './logs/view-log-repository.js';
import type { Progress } from './progress.js';
import { createFlagSnapshot } from './rollout/flag-snapshot.js';
import { createFlagStore } from './rollout/flag-store.js';

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
    // JWT_SECRET, else the secret every instance on this database shares through kgdb_secrets.
    const jwtSecret = await resolveJwtSecret(db.pool, config.jwtSecret);
    const auth = createAuthDeps(db.pool, { jwtSecret });
    // Flags: one store for the API and the snapshot (its own changes apply locally at once); the snapshot
    // is loaded and listening before the first request can evaluate a flag.
    const flags = createFlagStore(db.pool);
    const flagSnapshot = createFlagSnapshot({ store: flags, connection: db.pool.options, logger });
    await flagSnapshot.start();
    const genes =
      config.repository === 'legacy'
        ? createLegacyGeneRepository(db.pool)
        : createViewGeneRepository(db.pool);
    const logs =
      config.repository === 'legacy' ? createLegacyLogRepository(db.pool) : createViewLogRepository(db.pool);
    const app = await buildApp({ logger, pool: db.pool, auth, flags, genes, logs });
    app.addHook('onClose', () => flagSnapshot.stop());
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
