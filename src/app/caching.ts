import type pg from 'pg';
import type { Registry as MetricsRegistry } from 'prom-client';
import {
  type CacheInvalidator,
  createCacheInvalidator,
  publishCacheClear,
} from '../cache/cache-invalidator.js';
import { registerCacheMetrics } from '../cache/cache-metrics.js';
import type { CacheRoutesOptions } from '../cache/cache-routes.js';
import type { Cache, CacheWarmer, NamespaceConfig } from '../cache/cache-types.js';
import { buildInvalidationMap, type NamespaceReads } from '../cache/invalidation-map.js';
import type { MemoryLimits } from '../cache/memory-layer.js';
import { createCache } from '../cache/namespaced-cache.js';
import type { Queryable } from '../db/pool.js';
import { GENE_CACHE_NAMESPACES } from '../genes/gene-cache-namespaces.js';
import type { Logger } from '../logger.js';
import { STATISTICS_CACHE_NAMESPACES } from '../statistics/statistics-cache.js';
import { VIEWS } from '../views/defs/index.js';
import { buildRegistry } from '../views/registry.js';
import type { ViewDef } from '../views/view-def.js';

type Namespace = NamespaceConfig & NamespaceReads;

/** Every namespace of the one cache: the features declare theirs with the relations their SQL reads. */
export const CACHE_NAMESPACES: readonly Namespace[] = [
  ...GENE_CACHE_NAMESPACES,
  ...STATISTICS_CACHE_NAMESPACES,
];

export interface CachingOptions {
  /** Runs the trigger check and publishes admin clears (NOTIFY). */
  db: Queryable;
  /** The invalidation listener's own connection; a pool's `options` work as they are. */
  connection: pg.ClientConfig;
  /** REDIS_URL; omitted = in-process layer only. */
  redisUrl?: string | undefined;
  /** The process's prom-client registry. */
  metrics?: MetricsRegistry;
  logger?: Logger;
  memory?: MemoryLimits;
  /** Defaults: the declared VIEWS and CACHE_NAMESPACES. */
  views?: readonly ViewDef[];
  namespaces?: readonly Namespace[];
  listenerBackoff?: { initialMs?: number; maxMs?: number };
  applicationName?: string;
  /**
   * With a read replica: waits until it has replayed what the primary has written (ReadRouter.waitForReplay),
   * so an invalidation is applied only once a reload from the replica sees the change (docs/read-replica.md).
   */
  readBarrier?: () => Promise<void>;
}

export interface Caching {
  cache: Cache;
  invalidator: CacheInvalidator;
  /** Options of cacheRoutes (prefix /api/admin/cache), with the features' warmers. */
  routes(warmers: CacheWarmer[]): CacheRoutesOptions;
  /** Connects the listener (the cache serves from PostgreSQL until then); resolves once live. */
  start(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The one cache of the process: namespaces → invalidation map (derived from the view graph, no table →
 * namespace map written anywhere) → cache (memory, plus Redis when REDIS_URL is set) → a listener that clears
 * it on change triggers and matview refreshes.
 */
export function createCaching(options: CachingOptions): Caching {
  const namespaces = options.namespaces ?? CACHE_NAMESPACES;
  const map = buildInvalidationMap(buildRegistry(options.views ?? VIEWS), namespaces);
  const cache = createCache({
    namespaces: namespaces.map(({ name, ttlMs }) => ({ name, ttlMs })),
    redisUrl: options.redisUrl,
    memory: options.memory,
    logger: options.logger,
  });
  if (options.metrics) registerCacheMetrics(options.metrics, cache);
  const invalidator = createCacheInvalidator({
    cache,
    map,
    connection: options.connection,
    db: options.db,
    logger: options.logger,
    backoff: options.listenerBackoff,
    applicationName: options.applicationName,
    readBarrier: options.readBarrier,
  });
  return {
    cache,
    invalidator,
    routes: (warmers) => ({
      cache,
      publish: (message) => publishCacheClear(options.db, message),
      warmers,
      listener: invalidator,
    }),
    start: () => invalidator.start(),
    async close() {
      await invalidator.close();
      await cache.close();
    },
  };
}
