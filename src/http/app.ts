import { randomBytes, randomUUID } from 'node:crypto';
import formbody from '@fastify/formbody';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyRequest } from 'fastify';
import { type AuthDeps, createAuthDeps } from '../auth/auth-deps.js';
import { type CacheRoutesOptions, cacheRoutes } from '../cache/cache-routes.js';
import type { Pool } from '../db/pool.js';
import type { GeneRepository } from '../genes/gene-repository.js';
import { geneRoutes } from '../genes/gene-routes.js';
import { createViewGeneRepository } from '../genes/views/view-gene-repository.js';
import type { Logger } from '../logger.js';
import type { LogRepository } from '../logs/log-repository.js';
import { logRoutes } from '../logs/log-routes.js';
import { createRequestLogWriter, type RequestLogWriter } from '../logs/request-log/request-log.js';
import { requestLogPlugin } from '../logs/request-log/request-log-plugin.js';
import { createViewLogRepository } from '../logs/views/view-log-repository.js';
import { metricsPlugin } from '../metrics/metrics-plugin.js';
import { metricsRoutes } from '../metrics/metrics-routes.js';
import { shadowRoutes } from '../rollout/experiments/shadow-routes.js';
import { flagRoutes } from '../rollout/flags/flag-routes.js';
import type { FlagSnapshot } from '../rollout/flags/flag-snapshot.js';
import { createFlagStore, type FlagStore } from '../rollout/flags/flag-store.js';
import { type RolloutDeps, startRolloutDeps } from '../rollout/rollout-deps.js';
import {
  createStatisticsRepository,
  type StatisticsRepository,
} from '../statistics/statistics-repository.js';
import { statisticsRoutes } from '../statistics/statistics-routes.js';
import { APP_VERSION } from '../version.js';
import { authPlugin, OPENAPI_SECURITY_SCHEMES } from './auth-plugin.js';
import { authRoutes } from './auth-routes.js';
import { renderError, renderNotFound } from './errors.js';
import { healthRoutes } from './health-routes.js';
import { HTTP_TIMEOUTS } from './http-timeouts.js';
import { paramKeywords, useParamValidation } from './params.js';
import { serverTimingPlugin } from './server-timing-plugin.js';

/** Everything the HTTP layer needs, built by the composition root (serve command or a test). */
export interface AppDeps {
  logger: Logger;
  pool: Pool;
  /** Users, API tokens, JWT secret, login limits. Omitted (tests): repositories on `pool`, random secret. */
  auth?: AuthDeps;
  /** Feature flags in PostgreSQL; pass the store the flag snapshot subscribes to. Omitted (tests): one on `pool`. */
  flags?: FlagStore;
  /** This instance's in-process flag state (started by the composition root); the flag API reports its version. */
  flagSnapshot?: FlagSnapshot;
  /** Serves /api/genes when no per-request routing is given. Omitted (tests): the view repository on `pool`. */
  genes?: GeneRepository;
  /** Per-request choice of the gene repository (the rollout switch); wins over `genes`. */
  genesFor?: (request: FastifyRequest) => GeneRepository;
  /** Serves /api/statistics. Omitted (tests): the view-backed repository on `pool`. */
  statistics?: StatisticsRepository;
  /** Serves /api/admin/logs when no per-request routing is given. Omitted (tests): the view repository on `pool`. */
  logs?: LogRepository;
  /** Per-request choice of the log repository (the rollout switch); wins over `logs`. */
  logsFor?: (request: FastifyRequest) => LogRepository;
  /** Writes the request log into system_logs; closed (flushed) with the app. Omitted: one on `pool`. */
  requestLog?: RequestLogWriter;
  /**
   * Metrics registry, experiments, arm switch and rollout window, started and stopped by the composition root.
   * Omitted (tests): built on `pool` with a private registry (startRolloutDeps), stopped with the app.
   */
  rollout?: RolloutDeps;
  /** Admin cache API (/api/admin/cache): the gene cache's routes options (createGeneCaching().routes). Omitted: no cache routes. */
  cache?: CacheRoutesOptions;
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    // Typed as Fastify's base logger so the instance keeps the default FastifyInstance type plugins expect.
    loggerInstance: deps.logger as FastifyBaseLogger,
    // Unknown query keys must be a 400 (DESIGN §5), never silently dropped.
    // Finite numbers and storable text on every request schema (params.ts); plugins run on Fastify's ajv.
    ajv: {
      customOptions: { removeAdditional: false, coerceTypes: true, allErrors: false },
      plugins: [paramKeywords],
    },
    // A malformed URL (invalid percent-encoding) is a 400 in the error envelope like any other.
    frameworkErrors: (err, request, reply) => {
      renderError(err, request, reply);
    },
    routerOptions: { ignoreTrailingSlash: true },
    return503OnClosing: true,
    // Slow clients: an unfinished request is answered 408 and closed within about 10 s (see http-timeouts.ts).
    ...HTTP_TIMEOUTS,
    // Unique across restarts and instances: it is the request_id of the request log rows.
    genReqId: () => randomUUID(),
  });
  app.setErrorHandler(renderError);
  app.setNotFoundHandler(renderNotFound);
  // Before any route: a schema's 400 names the value and what it accepts; URL numbers must be decimal.
  app.addHook('onRoute', useParamValidation);
  const auth = deps.auth ?? createAuthDeps(deps.pool, { jwtSecret: randomBytes(32).toString('base64url') });
  await app.register(formbody);
  // Collects every route schema registered after it into one OpenAPI 3 document (GET /openapi.json).
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'kgdb',
        version: APP_VERSION,
        description:
          'Kidney-disease gene evidence database (upstream kidney-genetics-db API v0.4.0 compatible)',
      },
      components: { securitySchemes: OPENAPI_SECURITY_SCHEMES },
    },
  });
  // Before every route plugin: its onRoute hook gives routes under /api/admin role 'admin' and lists them
  // all in app.routeAccess. Protect a route anywhere with `config: { role: 'admin' | 'curator' | 'viewer' }`.
  await app.register(authPlugin, auth);
  const requestLog =
    deps.requestLog ??
    createRequestLogWriter({
      db: deps.pool,
      onFlushError: (err, rows) => app.log.warn({ err, rows }, 'request log flush failed; rows dropped'),
    });
  await app.register(requestLogPlugin, { writer: requestLog });
  const flags = deps.flags ?? createFlagStore(deps.pool);
  const rollout =
    deps.rollout ??
    (await startRolloutDeps({
      pool: deps.pool,
      store: flags,
      snapshot: deps.flagSnapshot,
      logger: deps.logger,
    }));
  if (!deps.rollout) app.addHook('onClose', () => rollout.stop());
  app.decorate('rollout', rollout);
  // Before the route plugins: times every request by route template and the arm the route sets.
  rollout.metrics.watch({ requestLog });
  await app.register(metricsPlugin, { metrics: rollout.metrics, window: rollout.window });
  await app.register(serverTimingPlugin);
  await app.register(metricsRoutes, {
    metrics: rollout.metrics,
    db: deps.pool,
    flags: rollout.flags,
    flush: rollout.writer.flush,
    ...(deps.cache && { cacheHitRate: deps.cache.cache.hitRate }),
  });
  await app.register(shadowRoutes, {
    prefix: '/api/admin/shadow-tests',
    experiments: rollout.experiments,
    experimenter: rollout.experimenter,
    db: deps.pool,
    flush: rollout.writer.flush,
  });
  await app.register(authRoutes, { prefix: '/api/auth', ...auth });
  await app.register(healthRoutes, { pool: deps.pool });
  const genes = deps.genes ?? createViewGeneRepository(deps.pool);
  await app.register(geneRoutes, { prefix: '/api/genes', genesFor: deps.genesFor ?? (() => genes) });
  await app.register(statisticsRoutes, {
    prefix: '/api/statistics',
    statistics: deps.statistics ?? createStatisticsRepository(deps.pool),
  });
  const logs = deps.logs ?? createViewLogRepository(deps.pool);
  await app.register(logRoutes, { prefix: '/api/admin/logs', logsFor: deps.logsFor ?? (() => logs) });
  await app.register(flagRoutes, {
    prefix: '/api/admin/feature-flags',
    flags,
    snapshot: deps.flagSnapshot,
  });
  if (deps.cache) await app.register(cacheRoutes, { prefix: '/api/admin/cache', ...deps.cache });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  await app.register(swaggerUi, { routePrefix: '/docs' });
  return app;
}
