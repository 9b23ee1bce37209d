// Type-only: brings @fastify/swagger's FastifySchema fields (tags, summary) into scope.
import type {} from '@fastify/swagger';
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { Pool } from '../db/pool.js';
import { KgdbError } from '../errors.js';
import { NoQuerystring, TextParam } from '../http/params.js';
import type { Refresher } from './refresher-types.js';
import { viewStatus } from './status.js';
import type { ViewDef } from './view-def.js';

export interface ViewRoutesOptions {
  pool: Pool;
  views: readonly ViewDef[];
  /** Refreshes matviews under their advisory locks (the server's refresher, or one without a listener). */
  refresh: Refresher['refresh'];
}

const tags = ['Administration - Views'];

const RefreshBodySchema = Type.Object(
  {
    name: Type.Optional(
      TextParam({
        minLength: 1,
        maxLength: 63,
        description: 'One materialized view (default: all); matviews reading it are refreshed after it',
      }),
    ),
    force: Type.Optional(
      Type.Boolean({
        description: 'Wait for a refresh running elsewhere instead of skipping (default false)',
      }),
    ),
  },
  { additionalProperties: false },
);
type RefreshBody = Static<typeof RefreshBodySchema>;

/**
 * `/api/admin/views` (admin by path): what `kgdb views status` and `kgdb views refresh` do, over HTTP. A refresh
 * takes the view's advisory lock like every other refresher, so it never runs twice at once on any instance.
 */
export const viewRoutes: FastifyPluginAsync<ViewRoutesOptions> = async (app, options) => {
  const matviews = options.views.filter((v) => v.kind === 'materialized').map((v) => v.name);

  app.get(
    '/',
    {
      schema: {
        tags,
        summary:
          'Every declared view: state (in sync, drifted, missing), dependencies, matview rows and refreshes',
        querystring: NoQuerystring,
      },
    },
    async () => viewStatus(options.pool, options.views),
  );

  app.post<{ Body: RefreshBody }>(
    '/refresh',
    {
      schema: {
        tags,
        summary: 'Refresh materialized views in dependency order (skips one another process is refreshing)',
        querystring: NoQuerystring,
        body: RefreshBodySchema,
      },
    },
    async (request) => {
      const { name, force } = request.body ?? {};
      if (name !== undefined && !matviews.includes(name)) {
        throw new KgdbError('INVALID_PARAMETER', {
          parameter: 'name',
          detail: `'${name}' is not a declared materialized view. Allowed: ${matviews.join(', ')}`,
        });
      }
      const results = await options.refresh(name === undefined ? undefined : [name], {
        force: force === true,
      });
      return {
        results: results.map((r) => ({
          name: r.name,
          outcome: r.outcome,
          concurrently: r.concurrently,
          duration_ms: Math.round(r.durationMs * 10) / 10,
          error: r.error ?? null,
        })),
      };
    },
  );
};
