// Adds the OpenAPI keywords (tags, summary) to Fastify's route schema type.
import type {} from '@fastify/swagger';
import type { FastifyPluginAsync } from 'fastify';
import { NoQuerystring } from '../http/params.js';
import { toOverlapQuery } from './overlap-query.js';
import type { StatisticsRepository } from './statistics-repository.js';
import {
  SourceOverlapsQuerystring,
  SourceOverlapsResponse,
  StatisticsSummaryResponse,
} from './statistics-schemas.js';
import { toSummary, toUpset } from './upset.js';

export interface StatisticsRoutesOptions {
  statistics: StatisticsRepository;
}

const TAGS = ['Analytics - Statistics'];

/** Upstream's response meta: when, how long, and a day-stamped data version. */
function meta(started: number, description: string, visualization: string) {
  const now = new Date();
  return {
    timestamp: now.toISOString(),
    description,
    query_duration_ms: Math.round((performance.now() - started) * 100) / 100,
    data_version: now.toISOString().slice(0, 10).replaceAll('-', ''),
    visualization_type: visualization,
  };
}

/** GET /api/statistics/source-overlaps and /api/statistics/summary (upstream's shapes). */
export const statisticsRoutes: FastifyPluginAsync<StatisticsRoutesOptions> = async (app, { statistics }) => {
  app.get<{ Querystring: SourceOverlapsQuerystring }>(
    '/source-overlaps',
    {
      schema: {
        tags: TAGS,
        summary: 'Gene intersections between sources for an UpSet plot',
        querystring: SourceOverlapsQuerystring,
        response: { 200: SourceOverlapsResponse },
      },
    },
    async (request) => {
      const started = performance.now();
      const query = toOverlapQuery(request.query);
      const data = toUpset(await statistics.combinations(query));
      return {
        data,
        meta: {
          ...meta(
            started,
            'Gene intersections between data sources for UpSet plot visualization',
            'upset_plot',
          ),
          hide_zero_scores: query.hideZeroScores,
        },
      };
    },
  );

  app.get(
    '/summary',
    {
      schema: {
        tags: TAGS,
        summary: 'Dashboard summary: genes, sources, intersections, coverage and pairwise overlaps',
        querystring: NoQuerystring,
        response: { 200: StatisticsSummaryResponse },
      },
    },
    async () => {
      const started = performance.now();
      const [combinations, facts, pairs] = await Promise.all([
        statistics.combinations({ hideZeroScores: true, detail: false }),
        statistics.geneFacts(),
        statistics.pairOverlaps(),
      ]);
      return {
        data: toSummary(toUpset(combinations), facts, pairs),
        meta: meta(started, 'Summary statistics for dashboard overview', 'summary_dashboard'),
      };
    },
  );
};
