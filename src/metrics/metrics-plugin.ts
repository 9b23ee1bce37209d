import type { FastifyPluginAsync } from 'fastify';
import type { ErrorCode } from '../errors.js';
import { errorCodeOf } from '../http/errors.js';
import type { RequestOutcome } from '../rollout/window/rollout-window.js';
import type { Metrics } from './metrics.js';

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * Which path served this request (an arm label of the rollout plan), set by the route (or the rollout
     * switch) before it answers; null for routes outside a rollout. Labels request metrics and feeds the
     * rollout window.
     */
    arm: string | null;
  }
}

/** Where per-arm request numbers go besides Prometheus (the rollout window: the guard's input). */
interface ArmObserver {
  observeRequest(arm: string, ms: number, outcome: RequestOutcome): void;
}

/**
 * How the guard counts a response, from its status and the error code the error handler rendered (if any):
 * DATABASE_UNAVAILABLE is an outage, which the guard weighs against the control instead of blaming the arm;
 * any other status ≥ 500 is an error of the arm (a statement timeout included); 4xx are the caller's doing (a
 * rejected input, a missing record) and never an error.
 */
export function requestOutcome(status: number, code?: ErrorCode): RequestOutcome {
  if (code === 'DATABASE_UNAVAILABLE') return 'unavailable';
  return status >= 500 ? 'error' : 'ok';
}

export interface MetricsPluginOptions {
  metrics: Metrics;
  window?: ArmObserver;
}

const plugin: FastifyPluginAsync<MetricsPluginOptions> = async (app, { metrics, window }) => {
  // A primitive default: Fastify refuses reference-type request decorations (FST_ERR_DEC_REFERENCE_TYPE).
  app.decorateRequest('arm', null);
  // onResponse runs after the reply is sent: recording is synchronous and cannot delay or fail a request.
  app.addHook('onResponse', (request, reply, done) => {
    try {
      const ms = reply.elapsedTime;
      const status = reply.statusCode;
      metrics.observeRequest({
        route: request.routeOptions.url ?? null,
        method: request.method,
        arm: request.arm,
        status,
        seconds: ms / 1000,
      });
      if (request.arm) window?.observeRequest(request.arm, ms, requestOutcome(status, errorCodeOf(reply)));
    } catch (err) {
      request.log.warn({ err }, 'request metrics not recorded');
    }
    done();
  });
};

/**
 * Times every request by route template and arm. Register it before the route plugins; skip-override (what
 * fastify-plugin does) lets its hook and the `request.arm` decoration reach every route.
 */
export const metricsPlugin = Object.assign(plugin, {
  [Symbol.for('skip-override')]: true,
  [Symbol.for('fastify.display-name')]: 'kgdb-metrics',
});
