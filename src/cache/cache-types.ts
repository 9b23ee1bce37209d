/**
 * Glossary
 * - namespace: a named group of entries with one TTL, cleared as a unit (`gene_list`, `statistics`).
 * - key: the normalized request inside a namespace (canonical JSON, digested when long; see cache-key.ts).
 * - memory layer: this process's size-bounded LRU. shared layer: Redis (REDIS_URL), common to all instances.
 * - generation: a per-namespace counter in this process. An invalidation bumps it; a load that started under
 *   an older generation still answers the callers waiting for it, but is never stored.
 * - version: the shared layer's per-namespace counter (see shared-layer.ts); the shared twin of a generation.
 * - live: the invalidation listener is connected. While it is not, no change can reach us, so every read
 *   bypasses the cache and goes to PostgreSQL; on (re)connect everything is flushed and the cache is live again.
 * - stale read: a value handed out after its namespace was invalidated during its load (the load began before
 *   the change was known). Counted, never stored.
 * - invalidation source: what cleared a namespace — a base table, a refreshed matview, an admin call, a flush.
 * - rendition: something made from a value the cache handed out (the response body serialized from it), kept
 *   in memory with the value's entry and gone with it. Never in Redis.
 */

export interface NamespaceConfig {
  /** Lower-case identifier; part of Redis keys and a metric label. */
  name: string;
  /** Time to live of an entry: a backstop, since invalidation comes from the database. */
  ttlMs: number;
}

type InvalidationKind = 'table' | 'matview' | 'admin' | 'flush';

export interface InvalidationSource {
  kind: InvalidationKind;
  /** Table or matview name, or 'admin' / 'reconnect' / 'start'. */
  name: string;
}

/** Captured before computing a value outside get(); set() stores it only if nothing was invalidated since. */
interface CacheToken {
  readonly namespace: string;
  readonly generation: number;
  /** The shared layer's version at the time (undefined without Redis or when it is unusable). */
  readonly sharedVersion?: string | undefined;
}

export interface NamespaceStats {
  namespace: string;
  ttlMs: number;
  /** Served from the loader only (see Cache.bypass). */
  bypass: boolean;
  hits: { memory: number; shared: number; inflight: number };
  misses: number;
  stale: number;
  /** Reads served straight from the loader because the cache was not live. */
  bypassed: number;
  memoryEntries: number;
  memoryBytes: number;
  invalidations: number;
}

export interface CacheStats {
  live: boolean;
  namespaces: NamespaceStats[];
  /** Invalidations by source, `kind:name` → count. */
  invalidations: Record<string, number>;
  shared: { configured: boolean; status: string; synced: boolean; errors: Record<string, number> } | null;
  memory: { maxEntries: number; maxBytes: number; maxEntryBytes: number };
}

export interface Cache {
  readonly namespaces: readonly NamespaceConfig[];
  /**
   * The value for `key`: from memory, else Redis, else `load()`, whose result is stored in both. Concurrent
   * misses of one key share one load. Rejects only when `load` rejects (Redis problems never surface).
   */
  get<T>(namespace: string, key: string, load: () => Promise<T>): Promise<T>;
  /** Captures the namespace's generation (and Redis version) before a value is computed outside get(). */
  token(namespace: string): Promise<CacheToken>;
  /** Stores a value computed after `token` was taken, unless the namespace was invalidated since. */
  set(token: CacheToken, key: string, value: unknown): Promise<void>;
  /** Drops the namespace in this process and (with Redis) for every instance. Synchronous in memory. */
  invalidate(namespace: string, source: InvalidationSource): void;
  /** Drops one key in this process and in Redis. */
  invalidateKey(namespace: string, key: string): Promise<void>;
  /** Every namespace, as invalidate() does. */
  flushAll(source: InvalidationSource): void;
  /** Serve the namespace from its loader only (e.g. a table it reads has no change trigger). */
  bypass(namespace: string, bypassed: boolean): void;
  /** Not live: every read bypasses the cache (the listener is down). Live again after a flush. */
  setLive(live: boolean): void;
  readonly live: boolean;
  /**
   * The rendition `variant` of `value` — something get() handed out, or an object rendition of it — made once
   * by `render(true)` and kept with the memory entry holding the value, so it goes exactly when that entry
   * goes (invalidation, key clear, expiry, eviction) and counts towards its size. When no live entry holds the
   * value (loaded while not live or across an invalidation, replaced since, not from this cache) it is made
   * for this call only: `render(false)`. Synchronous, so nothing can be invalidated between the checks and
   * the keeping.
   */
  rendition<R>(
    value: unknown,
    variant: string,
    render: (kept: boolean) => R,
    options: RenditionOptions<R>,
  ): R;
  /** Keys of a namespace held in memory and in Redis (current version), sorted. */
  keys(namespace: string): Promise<{ memory: string[]; shared: string[] | null }>;
  stats(): CacheStats;
  /** Hits (any layer, including joined loads) / lookups since start; null before the first lookup. */
  hitRate(): number | null;
  close(): Promise<void>;
}

export interface RenditionOptions<R> {
  /** What the rendition adds to the entry's size. */
  bytes: (rendition: R) => number;
  /**
   * Other values from this cache it was made from (as they are now: held by their entries). It is kept only
   * while their namespaces are not invalidated; one that no live entry holds means it is not kept at all.
   */
  dependsOn?: readonly unknown[];
}

/** Fills the common entries of some namespaces (POST /api/admin/cache/warm); declared by the domain code. */
export interface CacheWarmer {
  /** What the warm request's `sources` names. */
  name: string;
  namespaces: readonly string[];
  /** Loads the entries through the cache; resolves to how many keys it visited. */
  warm(): Promise<number>;
}
