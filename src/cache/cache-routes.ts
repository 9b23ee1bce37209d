// Type-only: brings @fastify/swagger's FastifySchema fields (tags, summary) into scope.
import type {} from '@fastify/swagger';
import type { FastifyPluginAsync } from 'fastify';
import { KgdbError } from '../errors.js';
import { NoQuerystring } from '../http/params.js';
import type { ClearMessage } from './cache-invalidator.js';
import {
  ClearResponse,
  HealthResponse,
  KeyParams,
  KeysQuerystring,
  KeysResponse,
  NamespaceParams,
  StatsQuerystring,
  StatsResponse,
  WarmBody,
  WarmResponse,
} from './cache-schemas.js';
import type { Cache, CacheStats, CacheWarmer, NamespaceStats } from './cache-types.js';

export interface CacheRoutesOptions {
  cache: Cache;
  /** Sends a clear to every instance (PostgreSQL NOTIFY); omitted = this instance only. */
  publish?: (message: ClearMessage) => Promise<void>;
  warmers?: readonly CacheWarmer[];
  /** The invalidation listener, for /health. */
  listener?: { readonly connected: boolean };
}

const tags = ['Administration - Cache Management'];
const MB = 1024 * 1024;

const hitsOf = (ns: NamespaceStats) => ns.hits.memory + ns.hits.shared + ns.hits.inflight;
const rate = (hits: number, misses: number) => (hits + misses === 0 ? 0 : hits / (hits + misses));

/** One namespace as the API shows it; `dbEntries` null when there is no shared layer to count. */
export function namespaceDetail(ns: NamespaceStats, dbEntries: number | null) {
  const hits = hitsOf(ns);
  return {
    namespace: ns.namespace,
    ttl_seconds: ns.ttlMs / 1000,
    bypass: ns.bypass,
    hits,
    misses: ns.misses,
    hit_rate: rate(hits, ns.misses),
    hits_memory: ns.hits.memory,
    hits_shared: ns.hits.shared,
    hits_inflight: ns.hits.inflight,
    stale_reads: ns.stale,
    bypassed: ns.bypassed,
    invalidations: ns.invalidations,
    memory_entries: ns.memoryEntries,
    memory_bytes: ns.memoryBytes,
    db_entries: dbEntries,
  };
}

async function statsBody(cache: Cache, stats: CacheStats, only: string | undefined) {
  const picked = stats.namespaces.filter((ns) => only === undefined || ns.namespace === only);
  const details = await Promise.all(
    picked.map(async (ns) => namespaceDetail(ns, (await cache.keys(ns.namespace)).shared?.length ?? null)),
  );
  const sum = (pick: (d: (typeof details)[number]) => number) => details.reduce((s, d) => s + pick(d), 0);
  const hits = sum((d) => d.hits);
  const misses = sum((d) => d.misses);
  const memoryEntries = sum((d) => d.memory_entries);
  const dbEntries = sum((d) => d.db_entries ?? 0);
  const bytes = sum((d) => d.memory_bytes);
  return {
    namespace: only ?? null,
    total_entries: memoryEntries + dbEntries,
    memory_entries: memoryEntries,
    db_entries: dbEntries,
    hits,
    misses,
    hit_rate: rate(hits, misses),
    total_size_bytes: bytes,
    total_size_mb: Math.round((bytes / MB) * 1000) / 1000,
    live: stats.live,
    shared: stats.shared
      ? { status: stats.shared.status, synced: stats.shared.synced, errors: stats.shared.errors }
      : null,
    invalidations: stats.invalidations,
    namespaces: details,
  };
}

/** Admin cache API; prefix /api/admin/cache (admin only by path). Clears reach every instance via publish. */
export const cacheRoutes: FastifyPluginAsync<CacheRoutesOptions> = async (app, options) => {
  const { cache, warmers = [] } = options;
  const publish = options.publish ?? (async () => {});
  /** Throws NOT_FOUND naming the known namespaces. */
  const known = async (namespace: string) => (await cache.keys(namespace)) && namespace;

  app.get<{ Querystring: StatsQuerystring }>(
    '/stats',
    {
      schema: {
        tags,
        summary: 'Cache statistics (all namespaces or one)',
        querystring: StatsQuerystring,
        response: { 200: StatsResponse },
      },
    },
    async (request) => {
      const only = request.query.namespace;
      if (only !== undefined) await known(only);
      return statsBody(cache, cache.stats(), only);
    },
  );

  app.get<{ Params: NamespaceParams }>(
    '/stats/:namespace',
    {
      schema: {
        tags,
        summary: 'Statistics of one namespace',
        params: NamespaceParams,
        querystring: NoQuerystring,
        response: { 200: StatsResponse },
      },
    },
    async (request) => statsBody(cache, cache.stats(), await known(request.params.namespace)),
  );

  app.get<{ Params: NamespaceParams; Querystring: KeysQuerystring }>(
    '/keys/:namespace',
    {
      schema: {
        tags,
        summary: 'Keys cached in a namespace (memory and Redis), paged',
        params: NamespaceParams,
        querystring: KeysQuerystring,
        response: { 200: KeysResponse },
      },
    },
    async (request) => {
      const { namespace } = request.params;
      const page = request.query.page ?? 1;
      const size = request.query.page_size ?? 50;
      const { memory, shared } = await cache.keys(namespace);
      const all = [...new Set([...memory, ...(shared ?? [])])].sort();
      return {
        namespace,
        keys: all.slice((page - 1) * size, page * size),
        total_keys: all.length,
        page,
        page_size: size,
        has_more: page * size < all.length,
        memory_keys: memory.length,
        db_keys: shared?.length ?? null,
      };
    },
  );

  app.post(
    '/monitoring/clear-all',
    {
      schema: {
        tags,
        summary: 'Clear every namespace on every instance',
        querystring: NoQuerystring,
        response: { 200: ClearResponse },
      },
    },
    async () => {
      const before = cache.stats().namespaces.reduce((s, ns) => s + ns.memoryEntries, 0);
      cache.flushAll({ kind: 'admin', name: 'admin' });
      await publish({});
      return { success: true, entries_cleared: before, message: 'Cleared every namespace', namespace: null };
    },
  );

  app.post<{ Body: WarmBody }>(
    '/warm',
    {
      schema: {
        tags,
        summary: 'Fill the common entries (first gene list pages, statistics)',
        body: WarmBody,
        response: { 200: WarmResponse },
      },
    },
    async (request) => {
      const names = request.body.sources?.length ? request.body.sources : warmers.map((w) => w.name);
      const unknown = names.filter((n) => !warmers.some((w) => w.name === n));
      if (unknown.length > 0) {
        throw new KgdbError('INVALID_PARAMETER', {
          parameter: 'sources',
          detail: `Unknown warm source(s) ${unknown.map((n) => `'${n}'`).join(', ')}. Allowed: ${warmers.map((w) => w.name).join(', ')}`,
        });
      }
      const picked = warmers.filter((w) => names.includes(w.name));
      const started = performance.now();
      if (request.body.force_refresh) {
        for (const ns of new Set(picked.flatMap((w) => w.namespaces)))
          cache.invalidate(ns, { kind: 'admin', name: 'admin' });
      }
      const misses = () => cache.stats().namespaces.reduce((s, ns) => s + ns.misses, 0);
      const before = misses();
      let keys = 0;
      for (const w of picked) keys += await w.warm();
      return {
        success: true,
        sources_warmed: picked.map((w) => w.name),
        entries_created: Math.max(0, misses() - before),
        keys_warmed: keys,
        time_taken_seconds: Math.round(performance.now() - started) / 1000,
        message: cache.live
          ? `Warmed ${keys} keys`
          : 'The cache is not live (invalidation listener down): nothing was stored',
      };
    },
  );

  app.get(
    '/health',
    {
      schema: {
        tags,
        summary: 'Cache health: listener, Redis, namespaces',
        querystring: NoQuerystring,
        response: { 200: HealthResponse },
      },
    },
    async () => {
      const stats = cache.stats();
      const issues: string[] = [];
      if (!stats.live) issues.push('invalidation listener down: every read goes to PostgreSQL');
      if (stats.shared && !stats.shared.synced)
        issues.push(`redis ${stats.shared.status}: shared layer not in use`);
      for (const ns of stats.namespaces)
        if (ns.bypass) issues.push(`${ns.namespace}: bypassed (a table it reads has no change trigger)`);
      return {
        status: issues.length === 0 ? 'healthy' : 'degraded',
        cache_enabled: true,
        live: stats.live,
        listener_connected: options.listener?.connected ?? null,
        memory_cache_size: stats.namespaces.reduce((s, ns) => s + ns.memoryEntries, 0),
        shared: stats.shared ? { status: stats.shared.status, synced: stats.shared.synced } : null,
        namespaces: stats.namespaces.map((ns) => ns.namespace),
        warmers: warmers.map((w) => w.name),
        issues,
      };
    },
  );

  app.delete<{ Params: NamespaceParams }>(
    '/:namespace',
    {
      schema: {
        tags,
        summary: 'Clear a namespace on every instance',
        params: NamespaceParams,
        querystring: NoQuerystring,
        response: { 200: ClearResponse },
      },
    },
    async (request) => {
      const { namespace } = request.params;
      const { memory, shared } = await cache.keys(namespace);
      cache.invalidate(namespace, { kind: 'admin', name: 'admin' });
      await publish({ namespace });
      const cleared = new Set([...memory, ...(shared ?? [])]).size;
      return {
        success: true,
        entries_cleared: cleared,
        message: `Cleared namespace ${namespace}`,
        namespace,
      };
    },
  );

  app.delete<{ Params: KeyParams }>(
    '/:namespace/:key',
    {
      schema: {
        tags,
        summary: 'Clear one key on every instance',
        params: KeyParams,
        querystring: NoQuerystring,
        response: { 200: ClearResponse },
      },
    },
    async (request) => {
      const { namespace, key } = request.params;
      const { memory, shared } = await cache.keys(namespace);
      const present = memory.includes(key) || (shared ?? []).includes(key);
      await cache.invalidateKey(namespace, key);
      await publish({ namespace, key });
      return {
        success: true,
        entries_cleared: present ? 1 : 0,
        message: present ? `Cleared ${namespace}/${key}` : `No entry ${namespace}/${key}`,
        namespace,
      };
    },
  );
};
