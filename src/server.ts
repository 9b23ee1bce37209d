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
import { applyViews } from './views/apply.js';
import { VIEWS } from './views/defs/index.js';
import { createRefresher } from './views/refresher.js';
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
  // Flags: one store for the API and the snapshot (its own changes apply locally at once). Built outside
  // the try so a failed start also stops the snapshot's LISTEN client (it would reconnect forever).
  const flags = createFlagStore(db.pool);
  const flagSnapshot = createFlagSnapshot({ store: flags, connection: db.pool.options, logger });
  const refresher = createRefresher({ pool: db.pool, views: VIEWS, connection: db.pool.options, logger });
  try {
    await migrate(db.pool, logger);
    await applyViews(db.pool, VIEWS, { logger });
    if (config.seedDemoOnEmpty) {
      const { rows } = await db.pool.query<{ empty: boolean }>(
        'select not exists (select 1 from genes) as empty',
      );
      if (rows[0]?.empty) {
        logger.info(DEFAULT_DEMO, 'empty database: loading the demo dataset');
        await seedDemo(db.pool, DEFAULT_DEMO, progress);
        // Scores before the first request, rather than after the refresher's debounce.
        await refresher.refresh(undefined, { force: true, progress });
      }
    }
    // Matviews follow writes from here on: change triggers → debounced refresh under advisory locks.
    await refresher.start();
    // JWT_SECRET, else the secret every instance on this database shares through kgdb_secrets.
    const jwtSecret = await resolveJwtSecret(db.pool, config.jwtSecret);
    const auth = createAuthDeps(db.pool, { jwtSecret });
    // Loaded and listening before the first request can evaluate a flag.
    await flagSnapshot.start();
    const genes =
      config.repository === 'legacy'
        ? createLegacyGeneRepository(db.pool)
        : createViewGeneRepository(db.pool);
    const logs =
      config.repository === 'legacy' ? createLegacyLogRepository(db.pool) : createViewLogRepository(db.pool);
    const app = await buildApp({ logger, pool: db.pool, auth, flags, flagSnapshot, genes, logs });
    app.addHook('onClose', () => flagSnapshot.stop());
    const address = await app.listen({ host: config.host, port: config.port });
    return {
      app,
      db,
      address,
      close: async () => {
        await app.close();
        await refresher.stop();
        await db.close();
      },
    };
  } catch (err) {
    await refresher.stop();
    await flagSnapshot.stop();
    await db.close();
    throw err;
  }
}
