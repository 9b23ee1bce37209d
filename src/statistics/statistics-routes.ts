// Adds the OpenAPI keywords (tags, summary) to Fastify's route schema type.
import type {} from '@fastify/swagger';
import type { FastifyPluginAsync } from 'fastify';
import { NoQuerystring } from '../http/params.js';
import { toEvidenceComposition } from './evidence-composition.js';
import { toOverlapQuery, toStatisticsFilter } from './overlap-query.js';
import { toSourceDistributions } from './source-distributions.js';
import type { StatisticsRepository } from './statistics-repository.js';
import {
  EvidenceCompositionResponse,
  SourceDistributionsResponse,
  SourceOverlapsQuerystring,
  SourceOverlapsResponse,
  StatisticsFilterQuerystring,
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

/** GET /api/statistics/source-overlaps, /evidence-composition, /source-distributions and /summary (upstream's shapes). */
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

  app.get<{ Querystring: StatisticsFilterQuerystring }>(
    '/evidence-composition',
    {
      schema: {
        tags: TAGS,
        summary: 'Genes per evidence tier and per source count, and each source’s share of the evidence',
        querystring: StatisticsFilterQuerystring,
        response: { 200: EvidenceCompositionResponse },
      },
    },
    async (request) => {
      const started = performance.now();
      const filter = toStatisticsFilter(request.query);
      const data = toEvidenceComposition(await statistics.composition(filter));
      return {
        data,
        meta: {
          ...meta(
            started,
            'Evidence quality and composition analysis using actual evidence tiers',
            'composition_analysis',
          ),
          filter_tiers: filter.tiers ?? null,
          hide_zero_scores: filter.hideZeroScores,
        },
      };
    },
  );

  app.get<{ Querystring: StatisticsFilterQuerystring }>(
    '/source-distributions',
    {
      schema: {
        tags: TAGS,
        summary:
          'Per source: genes per classification, per count or per HPO term range, for bar and donut charts',
        querystring: StatisticsFilterQuerystring,
        response: { 200: SourceDistributionsResponse },
      },
    },
    async (request) => {
      const started = performance.now();
      const filter = toStatisticsFilter(request.query);
      const data = toSourceDistributions(await statistics.distributions(filter));
      return {
        data,
        meta: {
          ...meta(started, 'Source count distributions for bar chart visualization', 'bar_charts'),
          source_count: Object.keys(data).length,
          hide_zero_scores: filter.hideZeroScores,
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
