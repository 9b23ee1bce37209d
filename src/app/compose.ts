import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Registry } from 'prom-client';
import { type AuthDeps, createAuthDeps } from '../auth/auth-deps.js';
import { principalUserId } from '../auth/auth-types.js';
import { type Config, DEFAULT_GUARD_OPTIONS, type TrustProxy } from '../config.js';
import { createConsoleState } from '../console/console-state.js';
import { type Pool, poolStats } from '../db/pool.js';
import { createReadRouter, type ReadRouter, type ReadRouterOptions } from '../db/read-pool.js';
import { createExportSlots, exportSlotCount } from '../export/export-slots.js';
import { cachedLegacyFacts } from '../genes/cached-gene-repository.js';
import { createGeneService, type GeneService } from '../genes/gene-service.js';
import { createLegacyGeneRepository } from '../genes/legacy/legacy-gene-repository.js';
import { createResolveRepository } from '../genes/resolve/resolve-repository.js';
import { createViewGeneRepository } from '../genes/views/view-gene-repository.js';
import type { Logger } from '../logger.js';
import { createLegacyLogRepository } from '../logs/legacy/legacy-log-repository.js';
import { createLogService, type LogService } from '../logs/log-service.js';
import { createRequestLogWriter } from '../logs/request-log/request-log.js';
import { createViewLogRepository } from '../logs/views/view-log-repository.js';
import { createMetrics, type Metrics } from '../metrics/metrics.js';
import { createFlagSnapshot, type FlagSnapshot } from '../rollout/flags/flag-snapshot.js';
import { createFlagStore, type FlagStore } from '../rollout/flags/flag-store.js';
import { createGuardLoop, type GuardLoop } from '../rollout/guard/guard-loop.js';
import { createRolloutDeps, type RolloutDeps, type RolloutDepsOptions } from '../rollout/rollout-deps.js';
import { VIEWS_ROLLOUT } from '../rollout-plan.js';
import { createCachedStatisticsRepository, statisticsCacheWarmer } from '../statistics/statistics-cache.js';
import { createStatisticsRepository } from '../statistics/statistics-repository.js';
import { VIEWS } from '../views/defs/index.js';
import { createRefresher } from '../views/refresher.js';
import type { Refresher } from '../views/refresher-types.js';
import { type AppParts, buildApp } from './build-app.js';
import { type Caching, type CachingOptions, createCaching } from './caching.js';

export interface ComposeOptions {
  pool: Pool;
  /**
   * DATABASE_READ_URL's pool: the views arm's reads (gene list and detail, statistics, admin logs) go to this
   * replica, everything else stays on `pool` (docs/read-replica.md). Omitted: everything reads `pool`.
   */
  readPool?: Pool | undefined;
  logger: Logger;
  /** Signs session tokens: every instance on one database uses the same one (resolveJwtSecret). */
  jwtSecret: string;
  /** KGDB_METRICS_TOKEN: when set, GET /metrics wants it. */
  metricsToken?: string | undefined;
  /** KGDB_TRUST_PROXY: whose X-Forwarded-For names the client; default false (the TCP peer is the client). */
  trustProxy?: TrustProxy;
  /** REDIS_URL: a cache layer shared between instances. */
  redisUrl?: string | undefined;
  /** The rollout guard's settings; false: no guard in this process. */
  guard: Config['guard'] | false;
  /** The server's matview refresher (`kgdb serve` runs one); default one without a listener, for manual refreshes. */
  refresher?: Refresher;
  /** The process's metrics, closed with the app; default a registry of its own (without process metrics). */
  metrics?: Metrics;
  /** What a test may swap. Routing and caching are never swapped: tests run the production graph. */
  swaps?: {
    /** The clock of log statistics and cleanup. */
    clock?: () => Date;
    /** Window length and write interval, A/A share, injected candidate faults, instance id. */
    rollout?: Omit<RolloutDepsOptions, 'pool' | 'flags' | 'metrics' | 'logger' | 'plan' | 'userIdOf'>;
    /** Memory limits and listener backoff of the cache. */
    cache?: Pick<CachingOptions, 'memory' | 'listenerBackoff' | 'applicationName'>;
    /** Login rate limit and account lockout policy. */
    auth?: Partial<Pick<AuthDeps, 'loginRateLimit' | 'loginLockout'>>;
    /** The read replica's recheck backoff and replay wait cap. */
    readReplica?: Pick<ReadRouterOptions, 'recheck' | 'maxReplayWaitMs'>;
  };
}

/** The production object graph around one pool, ready to serve once `compose` resolves. */
export interface Composition {
  app: FastifyInstance;
  /** What `app` was built from: a benchmark builds more apps from them (buildApp), one arm each. */
  parts: AppParts;
  flags: FlagStore;
  flagSnapshot: FlagSnapshot;
  rollout: RolloutDeps<Metrics>;
  caching: Caching;
  genes: GeneService;
  logs: LogService;
  metrics: Metrics;
  /** Where the views arm's reads go, with a read pool. */
  readRouter: ReadRouter | undefined;
  /** The guard leader loop, when this composition runs one. */
  guard: GuardLoop | undefined;
  /** Starts the work between requests: the rollout window writes and the guard leader loop. */
  startBackground(): void;
}

/**
 * The one place the object graph is built: `kgdb serve` (serve.ts) and the tests call it alike. Closing the
 * app stops everything started here. Read top to bottom it is the request path in reverse: flags → rollout
 * switch → the two arms and the cache → the services → the routes.
 */
export async function compose(options: ComposeOptions): Promise<Composition> {
  const { pool, logger } = options;
  const swaps = options.swaps ?? {};
  const metrics = options.metrics ?? createMetrics(new Registry());
  const reads =
    options.readPool &&
    createReadRouter({ primary: pool, replica: options.readPool, logger, ...swaps.readReplica });
  if (reads) metrics.watch({ readReplica: reads });
  // One store for the API and the snapshot, so this instance's own changes apply locally at once; other
  // instances' arrive through LISTEN (flag-snapshot.ts).
  const flags = createFlagStore(pool);
  const flagSnapshot = createFlagSnapshot({
    store: flags,
    connection: pool.options,
    logger,
    onEvaluation: (evaluation) => metrics.flagEvaluation(evaluation),
  });
  const caching = createCaching({
    db: pool,
    connection: pool.options,
    redisUrl: options.redisUrl,
    metrics: metrics.registry,
    logger,
    ...swaps.cache,
    // A change reaches the cache once the replica has replayed it: a reload must not bring back older data.
    readBarrier: reads && (() => reads.waitForReplay()),
  });
  const rollout = createRolloutDeps({
    ...swaps.rollout,
    pool,
    flags: flagSnapshot,
    plan: VIEWS_ROLLOUT,
    // Sticky per signed-in user first (the auth plugin has set request.user by the time a route runs).
    userIdOf: (request) => principalUserId((request as Partial<FastifyRequest>).user ?? null),
    metrics,
    logger,
  });
  try {
    // Loaded and listening before the first request evaluates a flag or reads the cache (both wait for the
    // database: `kgdb serve` has migrated it by now).
    await flagSnapshot.start();
    await caching.start();

    // With a replica, callers are served from it, but comparisons read the views on the primary, where the
    // control reads: the replica's replay lag must not show as a mismatch (docs/read-replica.md).
    const genes = createGeneService({
      // The legacy arm caches nothing but its list facts, as upstream did.
      legacy: createLegacyGeneRepository(pool, { cachedFacts: cachedLegacyFacts(caching.cache) }),
      views: createViewGeneRepository(pool),
      servedViews: reads && createViewGeneRepository(reads),
      cache: caching.cache,
      rollout: rollout.armSwitch,
    });
    const logs = createLogService({
      legacy: createLegacyLogRepository(pool),
      views: createViewLogRepository(pool),
      servedViews: reads && createViewLogRepository(pool, reads),
      rollout: rollout.armSwitch,
    });
    genes.registerExperiments(rollout.experiments);
    logs.registerExperiments(rollout.experiments);
    const statistics = createCachedStatisticsRepository(
      createStatisticsRepository(reads ?? pool),
      caching.cache,
    );
    const requestLog = createRequestLogWriter({
      db: pool,
      onFlushError: (err, rows) => logger.warn({ err, rows }, 'request log flush failed; rows dropped'),
    });
    metrics.watch({ requestLog });

    // Per-window numbers are written about every second; the guard leader (one instance, advisory lock)
    // evaluates them and rolls the rollout flag back or promotes it.
    const guard =
      options.guard &&
      createGuardLoop({
        pool,
        flags: flagSnapshot,
        store: flags,
        instanceId: rollout.instanceId,
        beforeEvaluate: rollout.writer.flush,
        onRollback: (flagKey) => metrics.rolloutAborted(flagKey),
        plan: VIEWS_ROLLOUT,
        options: options.guard,
        logger,
      });

    const core = {
      logger,
      pool,
      trustProxy: options.trustProxy ?? false,
      readReplica: reads,
      auth: createAuthDeps(pool, {
        ...swaps.auth,
        jwtSecret: options.jwtSecret,
        metricsToken: options.metricsToken,
      }),
      flags,
      flagSnapshot,
      rollout,
      requestLog,
      genes,
      // An index probe per call, uncached; reads where the views arm reads.
      resolve: createResolveRepository(reads ?? pool),
      logs,
      statistics,
      cache: caching.routes([...genes.warmers, statisticsCacheWarmer(statistics)]),
      now: swaps.clock ?? (() => new Date()),
      // A cursor holds one client for the whole export: the replica's pool while it is up, else the primary.
      exportPool: () => (reads?.status === 'up' && options.readPool) || pool,
      // Half the pool at most: exports hold their clients until the file is read (both pools have this size).
      exportSlots: createExportSlots(exportSlotCount(poolStats(pool).max)),
    };
    const refresher = options.refresher ?? createRefresher({ pool, views: VIEWS, listen: false, logger });
    const guardSettings = options.guard || DEFAULT_GUARD_OPTIONS;
    const parts: AppParts = {
      ...core,
      views: { pool, views: VIEWS, refresh: (names, o) => refresher.refresh(names, o) },
      console: createConsoleState({
        pool,
        flags,
        plan: VIEWS_ROLLOUT,
        experiments: () => rollout.experiments.names(),
        views: VIEWS,
        cacheStats: () => caching.cache.stats(),
        guard: {
          thresholds: guardSettings.thresholds,
          intervalSeconds: guardSettings.intervalMs / 1000,
          lookbackSeconds: guardSettings.lookbackMs / 1000,
        },
        instanceId: rollout.instanceId,
      }),
    };
    const app = await buildApp(parts);
    app.addHook('onClose', async () => {
      if (guard) await guard.stop();
      await rollout.stop();
      await caching.close();
      await flagSnapshot.stop();
      reads?.close();
      metrics.close();
    });
    return {
      app,
      parts,
      flags,
      flagSnapshot,
      rollout,
      caching,
      genes,
      logs,
      metrics,
      readRouter: reads,
      guard: guard || undefined,
      startBackground() {
        rollout.start();
        if (guard) guard.start();
      },
    };
  } catch (err) {
    // Nothing started here may outlive a failed compose: the listeners would reconnect forever.
    await rollout.stop();
    await caching.close();
    await flagSnapshot.stop();
    reads?.close();
    metrics.close();
    throw err;
  }
}
