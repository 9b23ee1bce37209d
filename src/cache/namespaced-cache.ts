import { KgdbError } from '../errors.js';
import type { Logger } from '../logger.js';
import { recordCacheRead } from '../request-timing.js';
import { NAMESPACE_PATTERN } from './cache-key.js';
import type {
  Cache,
  CacheStats,
  InvalidationSource,
  NamespaceConfig,
  NamespaceStats,
  RenditionOptions,
} from './cache-types.js';
import { createMemoryLayer, type MemoryLimits } from './memory-layer.js';
import { createSharedLayer, type SharedLayer } from './shared-layer.js';

export interface CacheOptions {
  namespaces: readonly NamespaceConfig[];
  memory?: MemoryLimits;
  /** REDIS_URL: adds the shared layer. */
  redisUrl?: string;
  /** Overrides the shared layer built from redisUrl (tests). */
  shared?: SharedLayer;
  redis?: { connectTimeoutMs?: number; commandTimeoutMs?: number };
  /**
   * Start live. Default false: the invalidation listener makes the cache live once LISTEN is in place. Only
   * a cache nothing else writes behind (a unit test) may start live.
   */
  live?: boolean;
  logger?: Logger;
}

interface Flight {
  generation: number;
  promise: Promise<unknown>;
  joined: number;
}

type Counters = Omit<NamespaceStats, 'namespace' | 'ttlMs' | 'bypass' | 'memoryEntries' | 'memoryBytes'>;

function checkNamespaces(namespaces: readonly NamespaceConfig[]): void {
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const ns of namespaces) {
    if (!NAMESPACE_PATTERN.test(ns.name)) problems.push(`${ns.name}: name must match ${NAMESPACE_PATTERN}`);
    if (seen.has(ns.name)) problems.push(`${ns.name}: declared more than once`);
    if (!(ns.ttlMs >= 1)) problems.push(`${ns.name}: ttlMs must be ≥ 1, got ${ns.ttlMs}`);
    seen.add(ns.name);
  }
  if (problems.length > 0) {
    throw new KgdbError('INVALID_INPUT', { detail: `Invalid cache namespaces:\n- ${problems.join('\n- ')}` });
  }
}

/** The namespaced two-layer cache with single-flight loads; see cache-types.ts for the terms. */
export function createCache(options: CacheOptions): Cache {
  checkNamespaces(options.namespaces);
  const configs = new Map(options.namespaces.map((ns) => [ns.name, ns] as const));
  const memory = createMemoryLayer(options.memory);
  const shared =
    options.shared ??
    (options.redisUrl
      ? createSharedLayer({
          url: options.redisUrl,
          namespaces: [...configs.keys()],
          logger: options.logger,
          ...options.redis,
        })
      : undefined);
  const generations = new Map<string, number>([...configs.keys()].map((n) => [n, 0]));
  const counters = new Map<string, Counters>(
    [...configs.keys()].map((n) => [
      n,
      { hits: { memory: 0, shared: 0, inflight: 0 }, misses: 0, stale: 0, bypassed: 0, invalidations: 0 },
    ]),
  );
  const invalidations = new Map<string, number>();
  const flights = new Map<string, Flight>();
  const bypassed = new Set<string>();
  let live = options.live ?? false;

  const config = (namespace: string): NamespaceConfig => {
    const found = configs.get(namespace);
    if (!found) {
      throw new KgdbError('NOT_FOUND', {
        parameter: 'namespace',
        detail: `Unknown cache namespace '${namespace}'. Known: ${[...configs.keys()].join(', ')}`,
      });
    }
    return found;
  };
  const countersOf = (namespace: string) => counters.get(namespace) as Counters;
  const generation = (namespace: string) => generations.get(namespace) ?? 0;

  /** Memory first (when it fits), then Redis under the version the load began with. */
  const store = (ns: NamespaceConfig, key: string, value: unknown, sharedVersion: string | undefined) => {
    const json = JSON.stringify(value);
    if (json === undefined) return;
    memory.set(ns.name, key, value, json.length, ns.ttlMs);
    if (shared && sharedVersion !== undefined) void shared.store(ns.name, sharedVersion, key, json, ns.ttlMs);
  };

  async function load<T>(ns: NamespaceConfig, key: string, started: number, loader: () => Promise<T>) {
    const c = countersOf(ns.name);
    let sharedVersion: string | undefined;
    if (shared) {
      // Our own bump of this namespace must land first, or we could read what it is about to clear.
      await shared.settled(ns.name);
      const found = await shared.lookup(ns.name, key);
      if (found?.json != null) {
        const value = JSON.parse(found.json) as T;
        c.hits.shared += 1;
        recordCacheRead(true);
        if (generation(ns.name) === started && live)
          memory.set(ns.name, key, value, found.json.length, ns.ttlMs);
        return value;
      }
      sharedVersion = found?.version;
    }
    c.misses += 1;
    recordCacheRead(false);
    const value = await loader();
    if (generation(ns.name) === started && live) store(ns, key, value, sharedVersion);
    return value;
  }

  function get<T>(namespace: string, key: string, loader: () => Promise<T>): Promise<T> {
    const ns = config(namespace);
    const c = countersOf(namespace);
    if (!live || bypassed.has(namespace)) {
      c.bypassed += 1;
      recordCacheRead(false);
      return loader();
    }
    const hit = memory.get(namespace, key);
    if (hit) {
      c.hits.memory += 1;
      recordCacheRead(true);
      return Promise.resolve(hit.value as T);
    }
    const started = generation(namespace);
    const flightKey = `${namespace}\u0000${key}`;
    const flight = flights.get(flightKey);
    if (flight && flight.generation === started) {
      flight.joined += 1;
      c.hits.inflight += 1;
      recordCacheRead(true);
      return flight.promise as Promise<T>;
    }
    const promise = load(ns, key, started, loader);
    const mine: Flight = { generation: started, promise, joined: 0 };
    flights.set(flightKey, mine);
    const done = () => {
      if (flights.get(flightKey) === mine) flights.delete(flightKey);
      // Loaded across an invalidation: everyone who waited got a value from before the change.
      if (generation(namespace) !== started) c.stale += 1 + mine.joined;
    };
    promise.then(done, done);
    return promise;
  }

  const invalidate = (namespace: string, source: InvalidationSource) => {
    if (!configs.has(namespace)) return;
    generations.set(namespace, generation(namespace) + 1);
    memory.clearNamespace(namespace);
    shared?.bump(namespace);
    countersOf(namespace).invalidations += 1;
    const label = `${source.kind}:${source.name}`;
    invalidations.set(label, (invalidations.get(label) ?? 0) + 1);
  };

  /**
   * The namespaces and generations of what a rendition depends on, e.g. `gene_list_facts:3`; undefined when one
   * of them is no cache value at the moment (then nothing may be kept).
   */
  const stampOf = (dependsOn: readonly unknown[]): string | undefined => {
    const parts: string[] = [];
    for (const value of dependsOn) {
      const namespace =
        typeof value === 'object' && value !== null ? memory.holderOf(value)?.namespace : undefined;
      if (namespace === undefined) return undefined;
      parts.push(`${namespace}:${generation(namespace)}`);
    }
    return parts.join(',');
  };

  function rendition<R>(
    value: unknown,
    variant: string,
    render: (kept: boolean) => R,
    { bytes, dependsOn = [] }: RenditionOptions<R>,
  ): R {
    if (!live || typeof value !== 'object' || value === null) return render(false);
    // An invalidation (a bypass too) clears the namespace's entries: a value still held is current.
    const holder = memory.holderOf(value);
    const stamp = stampOf(dependsOn);
    if (!holder || holder.full || stamp === undefined) return render(false);
    const kept = memory.rendition(value, variant);
    if (kept?.stamp === stamp) return kept.value as R;
    const made = render(true);
    memory.keepRendition(value, variant, { value: made, bytes: bytes(made) + variant.length, stamp });
    return made;
  }

  const stats = (): CacheStats => {
    memory.purgeExpired();
    const sharedStats = shared?.stats();
    return {
      live,
      namespaces: [...configs.values()].map((ns) => {
        const c = countersOf(ns.name);
        const usage = memory.usage(ns.name);
        return {
          namespace: ns.name,
          ttlMs: ns.ttlMs,
          bypass: bypassed.has(ns.name),
          ...c,
          hits: { ...c.hits },
          memoryEntries: usage.entries,
          memoryBytes: usage.bytes,
        };
      }),
      invalidations: Object.fromEntries(invalidations),
      shared: sharedStats ? { configured: true, ...sharedStats } : null,
      memory: memory.limits,
    };
  };

  return {
    namespaces: [...configs.values()],
    get,
    rendition,
    async token(namespace) {
      config(namespace);
      const started = generation(namespace);
      if (!shared) return { namespace, generation: started };
      await shared.settled(namespace);
      return { namespace, generation: started, sharedVersion: await shared.version(namespace) };
    },
    async set(token, key, value) {
      const ns = config(token.namespace);
      if (!live || bypassed.has(ns.name) || generation(ns.name) !== token.generation) return;
      // The Redis version was read before the value was computed: a bump since makes this write dead.
      store(ns, key, value, token.sharedVersion);
    },
    invalidate: (namespace, source) => {
      config(namespace);
      invalidate(namespace, source);
    },
    async invalidateKey(namespace, key) {
      config(namespace);
      memory.delete(namespace, key);
      await shared?.deleteKey(namespace, key);
    },
    flushAll(source) {
      for (const name of configs.keys()) invalidate(name, source);
    },
    bypass(namespace, on) {
      config(namespace);
      if (on) {
        bypassed.add(namespace);
        invalidate(namespace, { kind: 'admin', name: 'bypass' });
      } else bypassed.delete(namespace);
    },
    setLive(next) {
      live = next;
    },
    get live() {
      return live;
    },
    async keys(namespace) {
      config(namespace);
      return {
        memory: memory.keys(namespace),
        shared: shared ? ((await shared.keys(namespace)) ?? null) : null,
      };
    },
    stats,
    hitRate() {
      let hits = 0;
      let lookups = 0;
      for (const c of counters.values()) {
        const h = c.hits.memory + c.hits.shared + c.hits.inflight;
        hits += h;
        lookups += h + c.misses;
      }
      return lookups === 0 ? null : hits / lookups;
    },
    async close() {
      await shared?.close();
    },
  };
}
