// Type-only: brings @fastify/swagger's FastifySchema fields (tags, summary) into scope.
import type {} from '@fastify/swagger';
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { Queryable } from '../db/pool.js';
import { IntParam } from '../http/params.js';
import type { RolloutPlan } from '../rollout/experiments/experiment-types.js';
import type { Flag } from '../rollout/flags/flag-types.js';
import { readArmTotals, readExperimentTotals } from '../rollout/window/rollout-window-store.js';
import type { Metrics } from './metrics.js';
import { viewsSummary } from './views-summary.js';

export interface MetricsRoutesOptions {
  metrics: Metrics;
  db: Queryable;
  /** The rollout flag's state without I/O (the snapshot). */
  flags: { get(key: string): Flag | undefined };
  /** The rollout flag whose rollout the page reports. */
  flagKey: string;
  /** Its arms: the candidate `on` is measured against the control `off`, as the guard does. */
  arms: RolloutPlan['arms'];
  /** The guard's A/A noise floor (its minAaSamples threshold), so the page shows the guard's own numbers. */
  minAaSamples: number;
  /** Writes this instance's pending window numbers first, so the page includes the newest requests. */
  flush?: () => Promise<void>;
  /** The cache's hit rate once a cache exists; absent → null. */
  cacheHitRate?: () => number | null;
}

const ViewsMetricsQuerySchema = Type.Object(
  {
    window_seconds: Type.Optional(
      IntParam({
        minimum: 10,
        maximum: 86_400,
        default: 60,
        description: 'Look back this far (10..86400, default 60)',
      }),
    ),
  },
  { additionalProperties: false },
);
type ViewsMetricsQuery = Static<typeof ViewsMetricsQuerySchema>;

/**
 * `GET /metrics`: Prometheus text (`Metrics.scrape`: under `kgdb serve --workers N`, all workers'), public like upstream's and like most exporters — it carries no ids, no
 * URLs and no user data, only route templates and counts; keep it behind the network boundary Prometheus
 * scrapes from. With KGDB_METRICS_TOKEN set it takes only `Authorization: Bearer <that token>` (the auth
 * plugin checks `config.scrape`). `GET /api/admin/metrics/views`: admin only (everything under /api/admin is).
 */
export const metricsRoutes: FastifyPluginAsync<MetricsRoutesOptions> = async (app, options) => {
  app.get(
    '/metrics',
    {
      config: { scrape: true },
      schema: {
        tags: ['System'],
        summary: 'Prometheus metrics (text exposition format); Bearer KGDB_METRICS_TOKEN when one is set',
      },
    },
    async (_request, reply) => {
      const text = await options.metrics.scrape();
      return reply.type(options.metrics.registry.contentType).send(text);
    },
  );

  app.get<{ Querystring: ViewsMetricsQuery }>(
    '/api/admin/metrics/views',
    {
      schema: {
        tags: ['Administration - Rollout'],
        summary:
          'Rollout percentage and step, error rate and p50/p99 per arm, shadow match rate (all instances, live window)',
        querystring: ViewsMetricsQuerySchema,
      },
    },
    async (request) => {
      await options.flush?.();
      const to = new Date();
      const from = new Date(to.getTime() - (request.query.window_seconds ?? 60) * 1000);
      const [armTotals, experiments] = await Promise.all([
        readArmTotals(options.db, from),
        // Live traffic only: admin runs say nothing about how the rollout is going.
        readExperimentTotals(options.db, from, undefined, 'live'),
      ]);
      return viewsSummary({
        flagKey: options.flagKey,
        arms: options.arms,
        flag: options.flags.get(options.flagKey),
        minAaSamples: options.minAaSamples,
        armTotals,
        experiments,
        from,
        to,
        cacheHitRate: options.cacheHitRate?.() ?? null,
      });
    },
  );
};
