import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { principalUserId } from '../../auth/auth-types.js';
import type { RequestLogRow, RequestLogWriter } from './request-log.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** The request log writer; its stats() feed metrics and tests. */
    requestLog: RequestLogWriter;
  }
}

export interface RequestLogPluginOptions {
  writer: RequestLogWriter;
  /**
   * Route templates not logged. Default: /health and /metrics, which load balancers and Prometheus poll every
   * few seconds; as rows they would outnumber real traffic and say nothing an admin looks for.
   */
  skip?: readonly string[];
}

// The operator console polls its state about once a second per open page: noise, not traffic.
const REQUEST_LOG_SKIP = ['/health', '/metrics', '/api/console/state'] as const;
const REQUEST_LOGGER = 'kgdb.request';

const MAX_PATH = 512;
const MAX_URL = 2048;
const MAX_USER_AGENT = 512;

/** Python logging's level for a response: 5xx ERROR, 4xx WARNING, else INFO. */
function levelForStatus(status: number): 'ERROR' | 'WARNING' | 'INFO' {
  return status >= 500 ? 'ERROR' : status >= 400 ? 'WARNING' : 'INFO';
}

/**
 * The row for one finished request. path is the route template (`/api/genes/:symbol`), so one route is one
 * path whatever its parameters; a request no route matched (404) keeps its URL path, truncated.
 */
function toRequestLogRow(request: FastifyRequest, reply: FastifyReply, at: Date): RequestLogRow {
  const template = request.routeOptions.url;
  const urlPath = (request.url.split('?')[0] ?? request.url).slice(0, MAX_PATH);
  const path = template ?? urlPath;
  const status = reply.statusCode;
  const durationMs = Math.round(reply.elapsedTime * 1000) / 1000;
  const userAgent = request.headers['user-agent'];
  return {
    timestamp: at,
    level: levelForStatus(status),
    logger: REQUEST_LOGGER,
    message: `${request.method} ${path} ${status} ${durationMs} ms`,
    context: { endpoint: template ?? null, url: request.url.slice(0, MAX_URL) },
    request_id: request.id,
    ip_address: request.ip ?? null,
    user_agent: typeof userAgent === 'string' ? userAgent.slice(0, MAX_USER_AGENT) : null,
    path,
    method: request.method,
    user_id: principalUserId(request.user ?? null),
    status_code: status,
    duration_ms: durationMs,
  };
}

const plugin: FastifyPluginAsync<RequestLogPluginOptions> = async (
  app,
  { writer, skip = REQUEST_LOG_SKIP },
) => {
  const skipped = new Set<string>(skip);
  app.decorate('requestLog', writer);
  // onResponse runs after the reply is sent; enqueue is synchronous and bounded, so nothing here can delay
  // or fail a request. A bug in building the row is logged, never thrown.
  app.addHook('onResponse', (request, reply, done) => {
    try {
      if (!skipped.has(request.routeOptions.url ?? ''))
        writer.enqueue(toRequestLogRow(request, reply, new Date()));
    } catch (err) {
      request.log.warn({ err }, 'request log row not recorded');
    }
    done();
  });
  app.addHook('onClose', async () => {
    await writer.close();
  });
};

/**
 * Records every request into system_logs through the writer. Register it before the route plugins; it is
 * marked skip-override (what fastify-plugin does) so its hook sees every route.
 */
export const requestLogPlugin = Object.assign(plugin, {
  [Symbol.for('skip-override')]: true,
  [Symbol.for('fastify.display-name')]: 'kgdb-request-log',
});
