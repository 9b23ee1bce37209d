// Type-only: brings @fastify/swagger's FastifySchema fields (tags, summary) into scope.
import type {} from '@fastify/swagger';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { KgdbError } from '../../errors.js';
import { PATCH_FIELDS, unknownFields } from './flag-rules.js';
import {
  type DisableBody,
  DisableBodySchema,
  type EventsQuery,
  EventsQuerySchema,
  FlagChangeResponseSchema,
  FlagEventsResponseSchema,
  FlagListResponseSchema,
  type FlagParams,
  FlagParamsSchema,
  type FlagPatchBody,
  FlagPatchBodySchema,
  FlagResponseSchema,
  type ReasonBody,
  ReasonBodySchema,
  toFlagEventView,
  toFlagView,
} from './flag-schemas.js';
import type { FlagSnapshot } from './flag-snapshot.js';
import type { FlagStore } from './flag-store.js';
import type { FlagAudit, FlagChange } from './flag-types.js';

export interface FlagRoutesOptions {
  flags: FlagStore;
  /**
   * Who a request acts as, for the audited event ('user:alice', 'token:ci'): authentication is the caller's
   * business (admin routes always have a principal).
   */
  actorOf: (request: FastifyRequest) => string;
  /** This instance's snapshot: GET /{key} reports the version it evaluates, to check a change has arrived. */
  snapshot?: FlagSnapshot | undefined;
}

const PATCH_BODY_FIELDS = [...PATCH_FIELDS, 'reason'] as const;
const tags = ['feature-flags'];

const changeResponse = (change: FlagChange) => ({
  data: toFlagView(change.flag),
  meta: { changed: change.changed, event: change.event ? toFlagEventView(change.event) : null },
});

/** Admin API for feature flags (admin only: everything under /api/admin). Prefix: /api/admin/feature-flags. */
export const flagRoutes: FastifyPluginAsync<FlagRoutesOptions> = async (
  app,
  { flags, snapshot, actorOf },
) => {
  const audit = (request: FastifyRequest, reason: string | undefined): FlagAudit => ({
    actor: actorOf(request),
    ...(reason === undefined ? {} : { reason }),
  });

  app.get(
    '/',
    { schema: { tags, summary: 'List feature flags', response: { 200: FlagListResponseSchema } } },
    async () => {
      const all = await flags.list();
      return { data: all.map(toFlagView), meta: { total: all.length } };
    },
  );

  // Before the `/:key` routes in the reader's eye; find-my-way prefers the static segment anyway.
  app.post<{ Body: DisableBody }>(
    '/disable',
    {
      schema: {
        tags,
        summary: 'Emergency stop: disable a flag and return it to 0 %',
        body: DisableBodySchema,
        response: { 200: FlagChangeResponseSchema },
      },
    },
    async (request) =>
      changeResponse(await flags.disable(request.body.flag, audit(request, request.body.reason))),
  );

  app.get<{ Params: FlagParams }>(
    '/:key',
    {
      schema: {
        tags,
        summary: 'Read one feature flag',
        params: FlagParamsSchema,
        response: { 200: FlagResponseSchema },
      },
    },
    async (request) => {
      const flag = await flags.getOrThrow(request.params.key);
      const held = snapshot?.get(flag.key);
      const loadedAt = snapshot?.loadedAt;
      return {
        data: toFlagView(flag),
        meta: {
          snapshot: { version: held?.version ?? null, loaded_at: loadedAt ? loadedAt.toISOString() : null },
        },
      };
    },
  );

  app.patch<{ Params: FlagParams; Body: FlagPatchBody }>(
    '/:key',
    {
      schema: {
        tags,
        summary: 'Change a feature flag (one audited event)',
        params: FlagParamsSchema,
        body: FlagPatchBodySchema,
        response: { 200: FlagChangeResponseSchema },
      },
      // Before validation, so one 400 names every unknown field, not just the first ajv meets.
      preValidation: async (request) => {
        const unknown = unknownFields(request.body, PATCH_BODY_FIELDS);
        if (unknown.length > 0) {
          throw new KgdbError('INVALID_PARAMETER', {
            parameter: unknown.join(','),
            detail: `Unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map((f) => `'${f}'`).join(', ')}. Allowed: ${PATCH_BODY_FIELDS.join(', ')}`,
          });
        }
      },
    },
    async (request) => {
      const { reason, ...patch } = request.body;
      return changeResponse(await flags.update(request.params.key, patch, audit(request, reason)));
    },
  );

  app.post<{ Params: FlagParams; Body: ReasonBody }>(
    '/:key/advance',
    {
      schema: {
        tags,
        summary: 'Advance a flag one step of its schedule',
        params: FlagParamsSchema,
        body: ReasonBodySchema,
        response: { 200: FlagChangeResponseSchema },
      },
      // The body (a reason) is optional: a bare `POST …/advance` is the common call.
      preValidation: async (request) => {
        request.body ??= {};
      },
    },
    async (request) =>
      changeResponse(await flags.advance(request.params.key, audit(request, request.body.reason))),
  );

  app.get<{ Params: FlagParams; Querystring: EventsQuery }>(
    '/:key/events',
    {
      schema: {
        tags,
        summary: 'Audit events of a flag, newest first',
        params: FlagParamsSchema,
        querystring: EventsQuerySchema,
        response: { 200: FlagEventsResponseSchema },
      },
    },
    async (request) => {
      const { key } = request.params;
      const limit = request.query.limit ?? 100;
      await flags.getOrThrow(key);
      const events = await flags.events(key, {
        limit,
        ...(request.query.before ? { beforeId: request.query.before } : {}),
      });
      const last = events.at(-1);
      return {
        data: events.map(toFlagEventView),
        meta: { limit, next_before: events.length === limit && last ? last.id : null },
      };
    },
  );
};
