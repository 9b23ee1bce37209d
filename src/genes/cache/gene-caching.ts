import type pg from 'pg';
import type { Registry as MetricsRegistry } from 'prom-client';
import {
  type CacheInvalidator,
  createCacheInvalidator,
  publishCacheClear,
} from '../../cache/cache-invalidator.js';
import { registerCacheMetrics } from '../../cache/cache-metrics.js';
import type { CacheRoutesOptions } from '../../cache/cache-routes.js';
import type { Cache } from '../../cache/cache-types.js';
import { buildInvalidationMap } from '../../cache/invalidation-map.js';
import type { MemoryLimits } from '../../cache/memory-layer.js';
import { createCache } from '../../cache/namespaced-cache.js';
import type { Pool, Queryable } from '../../db/pool.js';
import type { Logger } from '../../logger.js';
import { createCachedStatisticsRepository } from '../../statistics/cached-statistics-repository.js';
import {
  createStatisticsRepository,
  type StatisticsRepository,
} from '../../statistics/statistics-repository.js';
import { VIEWS } from '../../views/defs/index.js';
import { buildRegistry } from '../../views/registry.js';
import type { ViewDef } from '../../views/view-def.js';
import type { GeneListFacts, GeneRepository } from '../gene-repository.js';
import { createViewGeneRepository } from '../views/view-gene-repository.js';
import { createCachedGeneRepository } from './cached-gene-repository.js';
import { GENE_CACHE_NAMESPACES, type GeneCacheNamespace } from './gene-cache-namespaces.js';
import { geneCacheWarmers } from './gene-cache-warmers.js';

export interface GeneCachingOptions {
  /** Runs the trigger check and publishes admin clears (NOTIFY). */
  db: Queryable;
  /** The invalidation listener's own connection; a pool's `options` work as they are. */
  connection: pg.ClientConfig;
  /** The uncached views-path repositories. */
  genes: GeneRepository;
  statistics: StatisticsRepository;
  /** REDIS_URL; omitted = in-process layer only. */
  redisUrl?: string | undefined;
  /** The composition root's prom-client registry (STYLE 21). */
  metrics?: MetricsRegistry;
  logger?: Logger;
  memory?: MemoryLimits;
  /** Defaults: the declared VIEWS and GENE_CACHE_NAMESPACES. */
  views?: readonly ViewDef[];
  namespaces?: readonly GeneCacheNamespace[];
  listenerBackoff?: { initialMs?: number; maxMs?: number };
  applicationName?: string;
}

export interface GeneCaching {
  cache: Cache;
  /** The cached repositories to serve /api/genes and /api/statistics with. */
  genes: GeneRepository;
  statistics: StatisticsRepository;
  /** The legacy arm's list facts through `legacy_gene_facts` (its one cached read, as upstream's 300 s cache). */
  legacyFacts: (load: () => Promise<GeneListFacts>) => Promise<GeneListFacts>;
  /** Options of cacheRoutes (prefix /api/admin/cache). */
  routes: CacheRoutesOptions;
  invalidator: CacheInvalidator;
  /** Connects the listener (the cache serves from PostgreSQL until then); resolves once live. */
  start(): Promise<void>;
  close(): Promise<void>;
}

/** Composition of the gene cache: namespaces → invalidation map (from the view graph) → cache → wrappers. */
export function createGeneCaching(options: GeneCachingOptions): GeneCaching {
  const namespaces = options.namespaces ?? GENE_CACHE_NAMESPACES;
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
  });
  const genes = createCachedGeneRepository(options.genes, cache);
  const statistics = createCachedStatisticsRepository(options.statistics, cache);
  return {
    cache,
    genes,
    statistics,
    legacyFacts: (load) => cache.get('legacy_gene_facts', 'all', load),
    invalidator,
    routes: {
      cache,
      publish: (message) => publishCacheClear(options.db, message),
      warmers: geneCacheWarmers(genes, statistics),
      listener: invalidator,
    },
    start: () => invalidator.start(),
    async close() {
      await invalidator.close();
      await cache.close();
    },
  };
}

/** The gene cache over the view repositories on `pool`, its listener connected: the benchmarks' setup. */
export async function startGeneCaching(pool: Pool): Promise<GeneCaching> {
  const caching = createGeneCaching({
    db: pool,
    connection: pool.options,
    genes: createViewGeneRepository(pool),
    statistics: createStatisticsRepository(pool),
  });
  await caching.start();
  return caching;
}
