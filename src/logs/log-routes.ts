import type { FastifyPluginAsync } from 'fastify';
import { type LogQueryParams, parseLogQuery } from './log-query.js';
import {
  logCleanupQuerySchema,
  logCleanupResponseSchema,
  logListQuerySchema,
  logListResponseSchema,
  logStatisticsQuerySchema,
} from './log-schemas.js';
import type { LogService } from './log-service.js';

export interface LogRoutesOptions {
  /** Decides which arm answers each request (src/logs/log-service.ts). */
  logs: LogService;
  /** The clock statistics and cleanup measure their windows from (tests pin it). */
  now?: () => Date;
}

const tags = ['Administration - Logging'];

/** `/api/admin/logs`: admin only (the auth plugin enforces config.role, and requires admin under /api/admin). */
export const logRoutes: FastifyPluginAsync<LogRoutesOptions> = async (
  app,
  { logs, now = () => new Date() },
) => {
  app.get(
    '/',
    {
      config: { role: 'admin' },
      schema: {
        tags,
        summary: 'Query request logs with filters, sort and offset or cursor pages',
        querystring: logListQuerySchema,
        response: { 200: logListResponseSchema },
      },
    },
    async (request) => {
      const query = parseLogQuery(request.query as LogQueryParams);
      const page = await logs.query(query, request);
      return {
        logs: page.logs,
        pagination: {
          total: page.total,
          limit: query.limit,
          offset: query.offset,
          has_more: page.hasMore,
          total_exact: page.totalExact,
          next_cursor: page.nextCursor,
        },
      };
    },
  );

  app.get(
    '/statistics',
    {
      config: { role: 'admin' },
      schema: {
        tags,
        summary: 'Counts by level, source, path and status category, error rates and duration percentiles',
        querystring: logStatisticsQuerySchema,
      },
    },
    async (request) => {
      const { hours } = request.query as { hours: number };
      return logs.statistics(hours, now(), request);
    },
  );

  app.delete(
    '/cleanup',
    {
      config: { role: 'admin' },
      schema: {
        tags,
        summary: 'Delete logs older than a number of days (0 = all logs)',
        querystring: logCleanupQuerySchema,
        response: { 200: logCleanupResponseSchema },
      },
    },
    async (request) => {
      const { days } = request.query as { days: number };
      const result = await logs.cleanup(days, now(), request);
      return {
        success: true,
        logs_deleted: result.logs_deleted,
        cutoff_date: result.cutoff ?? 'All logs deleted',
      };
    },
  );
};
