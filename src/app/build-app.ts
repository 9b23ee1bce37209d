import formbody from '@fastify/formbody';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { AuthDeps } from '../auth/auth-deps.js';
import { principalActor } from '../auth/auth-types.js';
import { type CacheRoutesOptions, cacheRoutes } from '../cache/cache-routes.js';
import { DEFAULT_GUARD_THRESHOLDS, type TrustProxy } from '../config.js';
import { consoleRoutes } from '../console/console-routes.js';
import type { ConsoleStateReader } from '../console/console-state.js';
import type { Pool } from '../db/pool.js';
import type { ExportSlots } from '../export/export-slots.js';
import { geneExportRoutes } from '../genes/export/gene-export-routes.js';
import { geneRoutes } from '../genes/gene-routes.js';
import type { GeneService } from '../genes/gene-service.js';
import type { ResolveRepository } from '../genes/resolve/resolve-repository.js';
import { resolveRoutes } from '../genes/resolve/resolve-routes.js';
import { authPlugin, OPENAPI_SECURITY_SCHEMES } from '../http/auth-plugin.js';
import { authRoutes } from '../http/auth-routes.js';
import { closeConnectionsWhenClosing } from '../http/drain.js';
import { renderError, renderNotFound } from '../http/errors.js';
import { type HealthRoutesOptions, healthRoutes } from '../http/health-routes.js';
import { HTTP_TIMEOUTS } from '../http/http-timeouts.js';
import { paramKeywords, useParamValidation } from '../http/params.js';
import { echoRequestId, REQUEST_ID_HEADER, requestIdOf } from '../http/request-id.js';
import { serverTimingPlugin } from '../http/server-timing-plugin.js';
import type { Logger } from '../logger.js';
import { logRoutes } from '../logs/log-routes.js';
import type { LogService } from '../logs/log-service.js';
import type { RequestLogWriter } from '../logs/request-log/request-log.js';
import { requestLogPlugin } from '../logs/request-log/request-log-plugin.js';
import type { Metrics } from '../metrics/metrics.js';
import { metricsPlugin } from '../metrics/metrics-plugin.js';
import { metricsRoutes } from '../metrics/metrics-routes.js';
import { releaseRoutes } from '../releases/release-routes.js';
import { shadowRoutes } from '../rollout/experiments/shadow-routes.js';
import { flagRoutes } from '../rollout/flags/flag-routes.js';
import type { FlagSnapshot } from '../rollout/flags/flag-snapshot.js';
import type { FlagStore } from '../rollout/flags/flag-store.js';
import type { RolloutDeps } from '../rollout/rollout-deps.js';
import { VIEWS_ROLLOUT } from '../rollout-plan.js';
import type { StatisticsRepository } from '../statistics/statistics-repository.js';
import { statisticsRoutes } from '../statistics/statistics-routes.js';
import { APP_VERSION } from '../version.js';
import { type ViewRoutesOptions, viewRoutes } from '../views/view-routes.js';

/** The parts the HTTP layer serves, every one built by the composition root (compose.ts). */
export interface AppParts {
  logger: Logger;
  pool: Pool;
  /** Whose X-Forwarded-For sets request.ip (login limit, address stickiness, request log). */
  trustProxy: TrustProxy;
  /** With DATABASE_READ_URL: where the views arm reads now, for /health. */
  readReplica?: HealthRoutesOptions['readReplica'];
  /** Users, API tokens, JWT secret, login limits. */
  auth: AuthDeps;
  /** Feature flags in PostgreSQL: the store the flag snapshot subscribes to. */
  flags: FlagStore;
  /** This instance's in-process flag state; the flag API reports its version. */
  flagSnapshot: FlagSnapshot;
  /** Metrics, experiments, the arm switch and the rollout window. */
  rollout: RolloutDeps<Metrics>;
  /** Writes the request log into system_logs; closed (flushed) with the app. */
  requestLog: RequestLogWriter;
  genes: GeneService;
  /** Gene identifiers → genes (/api/genes/resolve), read where the views arm reads. */
  resolve: ResolveRepository;
  logs: LogService;
  statistics: StatisticsRepository;
  /** The admin cache API (/api/admin/cache). */
  cache: CacheRoutesOptions;
  /** The clock log statistics and cleanup measure their windows from. */
  now: () => Date;
  /** The declared views and how to refresh them (/api/admin/views). */
  views: ViewRoutesOptions;
  /** What the operator console shows (/console, /api/console/state). */
  console: ConsoleStateReader;
  /** Where gene exports stream from (a cursor needs a pool's client): the read replica while it is up. */
  exportPool: () => Pool;
  /** How many exports (gene and release alike) this process runs at once. */
  exportSlots: ExportSlots;
}

/** Fastify with every plugin and route, in the order their hooks need; nothing is built here. */
export async function buildApp(parts: AppParts): Promise<FastifyInstance> {
  const { trustProxy } = parts;
  const app = Fastify({
    // Fastify's types leave out its hop-count form: the same rule as a function (hop 0 is the TCP peer).
    trustProxy:
      typeof trustProxy === 'number' ? (_address: string, hop: number) => hop < trustProxy : trustProxy,
    // Typed as Fastify's base logger so the instance keeps the default FastifyInstance type plugins expect.
    loggerInstance: parts.logger as FastifyBaseLogger,
    // Unknown query keys must be a 400, never silently dropped (docs/api.md, "Validation").
    // Finite numbers and storable text on every request schema (params.ts); plugins run on Fastify's ajv.
    ajv: {
      customOptions: { removeAdditional: false, coerceTypes: true, allErrors: false },
      plugins: [paramKeywords],
    },
    // A malformed URL (invalid percent-encoding) is a 400 in the error envelope like any other.
    // It runs no hooks, so it echoes the request id itself.
    frameworkErrors: (err, request, reply) => {
      reply.header(REQUEST_ID_HEADER, request.id);
      renderError(err, request, reply);
    },
    routerOptions: { ignoreTrailingSlash: true },
    return503OnClosing: true,
    // Slow clients: an unfinished request is answered 408 and closed within about 10 s (see http-timeouts.ts).
    ...HTTP_TIMEOUTS,
    // The caller's well-formed X-Request-Id, else a UUID: the request_id of the request log rows.
    genReqId: requestIdOf,
  });
  // First of all hooks, so an answer from any later hook (a 401, a 400) carries the id too.
  app.addHook('onRequest', echoRequestId);
  closeConnectionsWhenClosing(app);
  app.setErrorHandler(renderError);
  app.setNotFoundHandler(renderNotFound);
  // Before any route: a schema's 400 names the value and what it accepts; URL numbers must be decimal.
  app.addHook('onRoute', useParamValidation);
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
  await app.register(authPlugin, parts.auth);
  await app.register(requestLogPlugin, { writer: parts.requestLog });
  app.decorate('rollout', parts.rollout);
  // Before the route plugins: times every request by route template and the arm the route sets.
  await app.register(metricsPlugin, { metrics: parts.rollout.metrics, window: parts.rollout.window });
  await app.register(serverTimingPlugin);
  await app.register(metricsRoutes, {
    metrics: parts.rollout.metrics,
    db: parts.pool,
    flags: parts.rollout.flags,
    flush: parts.rollout.writer.flush,
    cacheHitRate: parts.cache.cache.hitRate,
    flagKey: VIEWS_ROLLOUT.flag,
    arms: VIEWS_ROLLOUT.arms,
    minAaSamples: DEFAULT_GUARD_THRESHOLDS.minAaSamples,
  });
  await app.register(shadowRoutes, {
    prefix: '/api/admin/shadow-tests',
    experiments: parts.rollout.experiments,
    experimenter: parts.rollout.experimenter,
    db: parts.pool,
    flush: parts.rollout.writer.flush,
  });
  await app.register(authRoutes, { prefix: '/api/auth', ...parts.auth });
  await app.register(healthRoutes, { pool: parts.pool, readReplica: parts.readReplica });
  await app.register(geneRoutes, { prefix: '/api/genes', genes: parts.genes, bodies: parts.cache.cache });
  // Their static /export and /resolve win over geneRoutes' /:gene_symbol in Fastify's router.
  await app.register(geneExportRoutes, {
    prefix: '/api/genes',
    db: parts.exportPool,
    now: parts.now,
    exportSlots: parts.exportSlots,
  });
  await app.register(resolveRoutes, { prefix: '/api/genes', resolve: parts.resolve });
  await app.register(statisticsRoutes, { prefix: '/api/statistics', statistics: parts.statistics });
  await app.register(releaseRoutes, {
    prefix: '/api/releases',
    pool: parts.pool,
    exportSlots: parts.exportSlots,
  });
  await app.register(logRoutes, { prefix: '/api/admin/logs', logs: parts.logs, now: parts.now });
  await app.register(flagRoutes, {
    prefix: '/api/admin/feature-flags',
    flags: parts.flags,
    snapshot: parts.flagSnapshot,
    actorOf: (request) => principalActor(request.user ?? null),
  });
  await app.register(cacheRoutes, { prefix: '/api/admin/cache', ...parts.cache });
  await app.register(viewRoutes, { prefix: '/api/admin/views', ...parts.views });
  await app.register(consoleRoutes, { state: parts.console });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  await app.register(swaggerUi, { routePrefix: '/docs' });
  return app;
}
