import type { FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { resolveJwtSecret } from '../auth/jwt-secret.js';
import { joinClusterMetrics, serveClusterMetrics } from '../cluster/cluster-metrics.js';
import { connectionsNeeded } from '../cluster/worker-count.js';
import { startWorkers } from '../cluster/workers.js';
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
  /** This process's id in the rollout tables and guard verdicts; every response carries it (INSTANCE_HEADER). */
  instanceId: string;
  /**
   * Stop accepting, drain in-flight requests for up to config.shutdownTimeoutMs (then close their connections),
   * close the pool, stop the embedded server.
   */
  close(): Promise<void>;
}

/** `kgdb serve --workers N`: this process prepared the database; its workers serve it on one port. */
export interface RunningCluster {
  db: Database;
  address: string;
  /** Stop every worker (each drains as RunningServer.close does), then close the pool and the embedded server. */
  close(): Promise<void>;
}

/** The response header naming the instance that answered: behind a load balancer or `--workers`, which one. */
export const INSTANCE_HEADER = 'x-kgdb-instance';

/** Beyond the drain a stopping worker is given (KGDB_SHUTDOWN_TIMEOUT_S): closing its pool and listeners. */
const WORKER_STOP_MARGIN_MS = 10_000;

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

/**
 * One serving instance on a database: refresher, the composed app, HTTP. `prepare` runs before any of it; a
 * cluster worker (`prepare` 'worker') has none, and its GET /metrics answers for all workers.
 */
async function serveDatabase(
  db: Database,
  config: Config,
  logger: Logger,
  prepare: ((refresher: Refresher) => Promise<void>) | 'worker',
): Promise<RunningServer> {
  const refresher = createRefresher({ pool: db.pool, views: VIEWS, connection: db.pool.options, logger });
  let served: FastifyInstance | undefined;
  let cluster: ReturnType<typeof joinClusterMetrics> | undefined;
  try {
    if (prepare !== 'worker') await prepare(refresher);
    // Matviews follow writes from here on: change triggers → debounced refresh under advisory locks.
    await refresher.start();
    // The one metrics registry of this process; GET /metrics serves it, or in a worker the primary's aggregate
    // of every worker's (src/cluster/cluster-metrics.ts): a scrape must not depend on the worker it lands on.
    const registry = new Registry();
    if (prepare === 'worker') cluster = joinClusterMetrics(registry);
    const metrics = createMetrics(registry, { processMetrics: true, scrape: cluster?.scrape });
    metrics.watch({ refresher });
    const { app, rollout, startBackground } = await compose({
      pool: db.pool,
      readPool: db.readPool,
      logger,
      // JWT_SECRET, else the secret every instance on this database shares through kgdb_secrets.
      jwtSecret: await resolveJwtSecret(db.pool, config.jwtSecret),
      metricsToken: config.metricsToken,
      trustProxy: config.trustProxy,
      redisUrl: config.redisUrl,
      guard: config.guard,
      metrics,
      refresher,
    });
    served = app;
    const { instanceId } = rollout;
    app.addHook('onSend', (_request, reply, payload, done) => {
      reply.header(INSTANCE_HEADER, instanceId);
      done(null, payload);
    });
    // In a cluster worker node:cluster hands the primary's listening socket over instead of binding anew.
    const address = await app.listen({ host: config.host, port: config.port });
    // After listen, so a failed start leaves no timers behind; closing the app stops both.
    startBackground();
    return {
      app,
      db,
      address,
      instanceId,
      close: async () => {
        await closeWithin(app, config.shutdownTimeoutMs, logger);
        cluster?.stop();
        await refresher.stop();
        await db.close();
      },
    };
  } catch (err) {
    // Closing the app stops the flag snapshot's and the cache's listeners (they would reconnect forever).
    await served?.close();
    cluster?.stop();
    await refresher.stop();
    await db.close();
    throw err;
  }
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
  return serveDatabase(db, config, logger, (refresher) =>
    prepareDatabase(db, refresher, config, logger, progress),
  );
}

/**
 * A worker of `kgdb serve --workers N`: serves the database its primary prepared, whose URL (an embedded
 * server's too) the primary puts in DATABASE_URL. No port check, no migration, no seeding: the primary did those.
 */
export async function startWorker(config: Config, logger: Logger): Promise<RunningServer> {
  if (config.databaseUrl === undefined) {
    throw new KgdbError('INVALID_INPUT', {
      detail: 'a kgdb serve worker serves the database of its primary, which sets DATABASE_URL; none is set',
    });
  }
  return serveDatabase(await openDatabase(config, logger), config, logger, 'worker');
}

/** Says so in the log when the workers' pools together may need more connections than the server allows. */
async function checkConnectionBudget(db: Database, workers: number, config: Config, logger: Logger) {
  const { rows } = await db.pool.query<{ available: number }>(
    `select current_setting('max_connections')::int - current_setting('superuser_reserved_connections')::int
            as available`,
  );
  const available = rows[0]?.available ?? 0;
  const needed = connectionsNeeded(workers, config.poolSize);
  if (needed <= available) return;
  logger.warn(
    { workers, poolSize: config.poolSize, needed, available },
    `${workers} workers with KGDB_POOL_SIZE=${config.poolSize} may open ${needed} connections but PostgreSQL allows ${available}: lower KGDB_POOL_SIZE or --workers, or raise max_connections`,
  );
}

/**
 * `kgdb serve --workers N` in the primary: the port check, the database (the embedded server is started here
 * and only here), schema, views and demo data as `startServer` does, then N workers (src/cluster/workers.ts)
 * that each serve it as an instance of their own on the shared port.
 */
export async function startCluster(
  config: Config,
  logger: Logger,
  progress: Progress,
  workers: number,
): Promise<RunningCluster> {
  await checkCanListen(config.host, config.port);
  const db = await openDatabase(config, logger);
  let metrics: ReturnType<typeof serveClusterMetrics> | undefined;
  try {
    // Only a first start's scores are computed here: the workers' refreshers keep the matviews current.
    const refresher = createRefresher({ pool: db.pool, views: VIEWS, listen: false, logger });
    await prepareDatabase(db, refresher, config, logger, progress);
    await checkConnectionBudget(db, workers, config, logger);
    // The workers' GET /metrics asks here; listening before the fork, as a worker says it is ready as it starts.
    metrics = serveClusterMetrics();
    const running = await startWorkers({
      count: workers,
      env: { DATABASE_URL: db.url },
      stopTimeoutMs: config.shutdownTimeoutMs + WORKER_STOP_MARGIN_MS,
      logger,
    });
    const host = config.host.includes(':') ? `[${config.host}]` : config.host;
    return {
      db,
      address: `http://${host}:${config.port}`,
      close: async () => {
        await running.stop();
        metrics?.stop();
        await db.close();
      },
    };
  } catch (err) {
    metrics?.stop();
    await db.close();
    throw err;
  }
}
