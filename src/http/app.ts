import Fastify, { type FastifyInstance } from 'fastify';
import type { Pool } from '../db/pool.js';
import type { Logger } from '../logger.js';
import { renderError, renderNotFound } from './errors.js';
import { healthRoutes } from './health-routes.js';

/** Everything the HTTP layer needs, built by the composition root (serve command or a test). */
export interface AppDeps {
  logger: Logger;
  pool: Pool;
}

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger,
    // Unknown query keys must be a 400 (DESIGN §5), never silently dropped.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: true, allErrors: false } },
    routerOptions: { ignoreTrailingSlash: true },
    return503OnClosing: true,
  });
  app.setErrorHandler(renderError);
  app.setNotFoundHandler(renderNotFound);
  await app.register(healthRoutes, { pool: deps.pool });
  return app;
}
