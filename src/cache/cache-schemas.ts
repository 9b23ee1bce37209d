import { type Static, Type } from '@sinclair/typebox';
import { IntParam, TextParam } from '../http/params.js';

/** Request and response schemas of /api/admin/cache (names follow upstream's CacheStatsResponse & co.). */

/** Highest `page` of a key listing: far past any namespace's size, and page × page_size stays exact. */
const MAX_KEY_PAGE = 10_000_000;

const Namespace = TextParam({
  pattern: '^[a-z][a-z0-9_]{0,62}$',
  maxLength: 63,
  description: 'Cache namespace',
});

export const NamespaceParams = Type.Object({ namespace: Namespace }, { additionalProperties: false });
export type NamespaceParams = Static<typeof NamespaceParams>;

export const KeyParams = Type.Object(
  {
    namespace: Namespace,
    key: TextParam({ minLength: 1, maxLength: 1000, description: 'A key as listed' }),
  },
  { additionalProperties: false },
);
export type KeyParams = Static<typeof KeyParams>;

export const StatsQuerystring = Type.Object(
  { namespace: Type.Optional(Namespace) },
  { additionalProperties: false },
);
export type StatsQuerystring = Static<typeof StatsQuerystring>;

export const KeysQuerystring = Type.Object(
  {
    page: Type.Optional(IntParam({ minimum: 1, maximum: MAX_KEY_PAGE, default: 1 })),
    page_size: Type.Optional(IntParam({ minimum: 1, maximum: 1000, default: 50 })),
  },
  { additionalProperties: false },
);
export type KeysQuerystring = Static<typeof KeysQuerystring>;

export const WarmBody = Type.Object(
  {
    sources: Type.Optional(
      Type.Array(TextParam({ minLength: 1, maxLength: 100 }), {
        maxItems: 50,
        description: 'Warmers to run (see GET /api/admin/cache/health); omitted or empty = all',
      }),
    ),
    force_refresh: Type.Optional(Type.Boolean({ description: 'Clear the warmed namespaces first' })),
    priority: Type.Optional(Type.Union([Type.Literal('low'), Type.Literal('normal'), Type.Literal('high')])),
  },
  { additionalProperties: false },
);
export type WarmBody = Static<typeof WarmBody>;

const Counts = {
  hits: Type.Integer({ minimum: 0 }),
  misses: Type.Integer({ minimum: 0 }),
  hit_rate: Type.Number({ minimum: 0, maximum: 1 }),
};

const NamespaceDetail = Type.Object({
  namespace: Type.String(),
  ttl_seconds: Type.Number(),
  bypass: Type.Boolean(),
  ...Counts,
  hits_memory: Type.Integer(),
  hits_shared: Type.Integer(),
  hits_inflight: Type.Integer(),
  stale_reads: Type.Integer(),
  bypassed: Type.Integer(),
  invalidations: Type.Integer(),
  memory_entries: Type.Integer(),
  memory_bytes: Type.Integer(),
  db_entries: Type.Union([Type.Integer(), Type.Null()]),
});

export const StatsResponse = Type.Object({
  namespace: Type.Union([Type.String(), Type.Null()]),
  total_entries: Type.Integer({ minimum: 0 }),
  memory_entries: Type.Integer({ minimum: 0 }),
  db_entries: Type.Integer({
    minimum: 0,
    description: 'Entries in the shared layer (Redis); 0 without REDIS_URL',
  }),
  ...Counts,
  total_size_bytes: Type.Integer({
    minimum: 0,
    description: 'In-process layer: JSON text length of the values and the response bodies kept with them',
  }),
  total_size_mb: Type.Number({ minimum: 0 }),
  live: Type.Boolean({
    description: 'False while the invalidation listener is down (reads go to PostgreSQL)',
  }),
  shared: Type.Union([
    Type.Object({
      status: Type.String(),
      synced: Type.Boolean(),
      errors: Type.Record(Type.String(), Type.Integer()),
    }),
    Type.Null(),
  ]),
  invalidations: Type.Record(Type.String(), Type.Integer(), { description: 'kind:source → count' }),
  namespaces: Type.Array(NamespaceDetail),
});

export const KeysResponse = Type.Object({
  namespace: Type.String(),
  keys: Type.Array(Type.String()),
  total_keys: Type.Integer({ minimum: 0 }),
  page: Type.Integer({ minimum: 1 }),
  page_size: Type.Integer({ minimum: 1 }),
  has_more: Type.Boolean(),
  memory_keys: Type.Integer({ minimum: 0 }),
  db_keys: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]),
});

export const ClearResponse = Type.Object({
  success: Type.Boolean(),
  entries_cleared: Type.Integer({ minimum: 0 }),
  message: Type.String(),
  namespace: Type.Union([Type.String(), Type.Null()]),
});

export const WarmResponse = Type.Object({
  success: Type.Boolean(),
  sources_warmed: Type.Array(Type.String()),
  entries_created: Type.Integer({
    minimum: 0,
    description: 'Loads that ran a query (entries not already cached)',
  }),
  keys_warmed: Type.Integer({ minimum: 0 }),
  time_taken_seconds: Type.Number({ minimum: 0 }),
  message: Type.String(),
});

export const HealthResponse = Type.Object({
  status: Type.String({ description: 'healthy, or degraded while the cache serves from PostgreSQL' }),
  cache_enabled: Type.Boolean(),
  live: Type.Boolean(),
  listener_connected: Type.Union([Type.Boolean(), Type.Null()]),
  memory_cache_size: Type.Integer({ minimum: 0 }),
  shared: Type.Union([Type.Object({ status: Type.String(), synced: Type.Boolean() }), Type.Null()]),
  namespaces: Type.Array(Type.String()),
  warmers: Type.Array(Type.String()),
  issues: Type.Array(Type.String()),
});
