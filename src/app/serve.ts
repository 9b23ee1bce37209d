import type { FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { resolveJwtSecret } from '../auth/jwt-secret.js';
import type { Config } from '../config.js';
import { DEFAULT_DEMO } from '../data/demo/demo-options.js';
import { seedDemo } from '../data/demo/seed-demo.js';
import { type Database, openDatabase } from '../db/database.js';
import { migrate } from '../db/migrate.js';
import { KgdbError } from '../errors.js';
import { closeWithin } from '../http/drain.js';
import { checkCanListen } from '../http/listen-check.js';
import type { Logger } from '../logger.js';
import { createMetrics } from '../metrics/metrics.js';
import type { Progress } from '../progress.js';
import { applyViews } from '../views/apply.js';
import { VIEWS } from '../views/defs/index.js';
import { createRefresher } from '../views/refresher.js';
import type { Refresher } from '../views/refresher-types.js';
import { compose } from './compose.js';

export interface RunningServer {
  app: FastifyInstance;
  db: Database;
  address: string;
  /**
   * Stop accepting, drain in-flight requests for up to config.shutdownTimeoutMs (then close their connections),
   * close the pool, stop the embedded server.
   */
  close(): Promise<void>;
}

/** Schema, views and, on an empty database, the demo data with its scores computed. */
async function prepareDatabase(
  db: Database,
  refresher: Refresher,
  config: Config,
  logger: Logger,
  progress: Progress,
): Promise<void> {
  await migrate(db.pool, logger);
  await applyViews(db.pool, VIEWS, { logger });
  if (!config.seedDemoOnEmpty) return;
  const { rows } = await db.pool.query<{ empty: boolean }>(
    'select not exists (select 1 from genes) as empty',
  );
  if (!rows[0]?.empty) return;
  logger.info(DEFAULT_DEMO, 'empty database: loading the demo dataset');
  try {
    await seedDemo(db.pool, DEFAULT_DEMO, progress);
  } catch (raw) {
    // Two instances started on one empty database: the other one seeded while we waited for its lock.
    if (!(raw instanceof KgdbError && raw.code === 'CONFLICT')) throw raw;
    logger.info('another instance loaded the demo dataset');
  }
  // Scores before the first request, rather than after the refresher's debounce.
  await refresher.refresh(undefined, { force: true, progress });
}

/** `kgdb serve`: database, schema, demo data on first start, the composed app, then HTTP. */
export async function startServer(
  config: Config,
  logger: Logger,
  progress: Progress,
): Promise<RunningServer> {
  // Before the database: a taken port must not cost a first start's minute of seeding to find out.
  await checkCanListen(config.host, config.port);
  const db = await openDatabase(config, logger);
  const refresher = createRefresher({ pool: db.pool, views: VIEWS, connection: db.pool.options, logger });
  let served: FastifyInstance | undefined;
  try {
    await prepareDatabase(db, refresher, config, logger, progress);
    // Matviews follow writes from here on: change triggers → debounced refresh under advisory locks.
    await refresher.start();
    // The one metrics registry of this process, served at GET /metrics.
    const metrics = createMetrics(new Registry(), { processMetrics: true });
    metrics.watch({ refresher });
    const { app, startBackground } = await compose({
      pool: db.pool,
      logger,
      // JWT_SECRET, else the secret every instance on this database shares through kgdb_secrets.
      jwtSecret: await resolveJwtSecret(db.pool, config.jwtSecret),
      metricsToken: config.metricsToken,
      redisUrl: config.redisUrl,
      guard: config.guard,
      metrics,
      refresher,
    });
    served = app;
    const address = await app.listen({ host: config.host, port: config.port });
    // After listen, so a failed start leaves no timers behind; closing the app stops both.
    startBackground();
    return {
      app,
      db,
      address,
      close: async () => {
        await closeWithin(app, config.shutdownTimeoutMs, logger);
        await refresher.stop();
        await db.close();
      },
    };
  } catch (err) {
    // Closing the app stops the flag snapshot's and the cache's listeners (they would reconnect forever).
    await served?.close();
    await refresher.stop();
    await db.close();
    throw err;
  }
}
