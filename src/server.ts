import type { FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { createAuthDeps } from './auth/auth-deps.js';
import { resolveJwtSecret } from './auth/jwt-secret.js';
import type { Config } from './config.js';
import { DEFAULT_DEMO, seedDemo } from './data/demo/seed-demo.js';
import { type Database, openDatabase } from './db/database.js';
import { migrate } from './db/migrate.js';
import { KgdbError } from './errors.js';
import { createGeneCaching, type GeneCaching } from './genes/cache/gene-caching.js';
import { registerDomainExperiments } from './genes/gene-experiments.js';
import { createLegacyGeneRepository } from './genes/legacy/legacy-gene-repository.js';
import { routedGeneRepository, routedLogRepository } from './genes/routed-repositories.js';
import { createViewGeneRepository } from './genes/views/view-gene-repository.js';
import { buildApp } from './http/app.js';
import type { Logger } from './logger.js';
import { createLegacyLogRepository } from './logs/legacy/legacy-log-repository.js';
import { createViewLogRepository } from './logs/views/view-log-repository.js';
import { createMetrics } from './metrics/metrics.js';
import type { Progress } from './progress.js';
import { createFlagSnapshot } from './rollout/flags/flag-snapshot.js';
import { createFlagStore } from './rollout/flags/flag-store.js';
import { createGuardLoop } from './rollout/guard/guard-loop.js';
import { createRolloutDeps } from './rollout/rollout-deps.js';
import { createStatisticsRepository } from './statistics/statistics-repository.js';
import { applyViews } from './views/apply.js';
import { VIEWS } from './views/defs/index.js';
import { createRefresher } from './views/refresher.js';

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
  // The one metrics registry of this process (STYLE rule 21), served at GET /metrics.
  const metrics = createMetrics(new Registry(), { processMetrics: true });
  const flagSnapshot = createFlagSnapshot({
    store: flags,
    connection: db.pool.options,
    logger,
    onEvaluation: (evaluation) => metrics.flagEvaluation(evaluation),
  });
  const refresher = createRefresher({ pool: db.pool, views: VIEWS, connection: db.pool.options, logger });
  let caching: GeneCaching | undefined;
  try {
    await migrate(db.pool, logger);
    await applyViews(db.pool, VIEWS, { logger });
    if (config.seedDemoOnEmpty) {
      const { rows } = await db.pool.query<{ empty: boolean }>(
        'select not exists (select 1 from genes) as empty',
      );
      if (rows[0]?.empty) {
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
    }
    // Matviews follow writes from here on: change triggers → debounced refresh under advisory locks.
    await refresher.start();
    // JWT_SECRET, else the secret every instance on this database shares through kgdb_secrets.
    const jwtSecret = await resolveJwtSecret(db.pool, config.jwtSecret);
    const auth = createAuthDeps(db.pool, { jwtSecret, metricsToken: config.metricsToken });
    // Loaded and listening before the first request can evaluate a flag.
    await flagSnapshot.start();
    const legacyLogs = createLegacyLogRepository(db.pool);
    const viewLogs = createViewLogRepository(db.pool);
    const viewGenes = createViewGeneRepository(db.pool);
    // The views path behind the cache: cleared by change triggers and matview refreshes through LISTEN, shared
    // between instances through Redis when REDIS_URL is set. Serves from PostgreSQL until live.
    caching = createGeneCaching({
      db: db.pool,
      connection: db.pool.options,
      genes: viewGenes,
      statistics: createStatisticsRepository(db.pool),
      redisUrl: config.redisUrl,
      metrics: metrics.registry,
      logger,
    });
    await caching.start();
    // Rollout: per-window numbers written about every second; the guard leader (one instance, advisory lock)
    // evaluates them every ~10 s and rolls back or promotes use_database_views.
    metrics.watch({ refresher });
    const rollout = createRolloutDeps({ pool: db.pool, flags: flagSnapshot, metrics, logger });
    // The legacy arm caches nothing but its list facts, as upstream did (300 s there; invalidated from the
    // database here). Experiments compare it with the uncached views; callers on the views arm get the cache.
    const experiments = registerDomainExperiments(rollout.experiments, {
      legacyGenes: createLegacyGeneRepository(db.pool, { cachedFacts: caching.legacyFacts }),
      viewGenes,
      servedGenes: caching.genes,
      legacyLogs,
      viewLogs,
    });
    const guard = createGuardLoop({
      pool: db.pool,
      flags: flagSnapshot,
      store: flags,
      instanceId: rollout.instanceId,
      beforeEvaluate: rollout.writer.flush,
      onRollback: (flagKey) => metrics.rolloutAborted(flagKey),
      options: {
        intervalMs: config.guard.intervalMs,
        lookbackMs: config.guard.lookbackMs,
        thresholds: {
          maxErrorRate: config.guard.maxErrorRate,
          maxP99Ms: config.guard.maxP99Ms,
          maxP99Ratio: config.guard.maxP99Ratio,
          maxMismatchRate: config.guard.maxMismatchRate,
          minSamples: config.guard.minSamples,
        },
      },
      logger,
    });
    const app = await buildApp({
      logger,
      pool: db.pool,
      auth,
      flags,
      flagSnapshot,
      genesFor: routedGeneRepository(rollout.armSwitch, experiments),
      logsFor: routedLogRepository(rollout.armSwitch, experiments, viewLogs),
      statistics: caching.statistics,
      cache: caching.routes,
      rollout,
    });
    const openCache = caching;
    app.addHook('onClose', () => openCache.close());
    app.addHook('onClose', async () => {
      await guard.stop();
      await rollout.stop();
    });
    app.addHook('onClose', () => flagSnapshot.stop());
    const address = await app.listen({ host: config.host, port: config.port });
    // After listen, so a failed start leaves no timers behind; onClose above stops both.
    rollout.start();
    guard.start();
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
    await caching?.close();
    await refresher.stop();
    await flagSnapshot.stop();
    await db.close();
    throw err;
  }
}
