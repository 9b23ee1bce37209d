import { Counter, Gauge, type Registry } from 'prom-client';
import type { Cache, CacheStats } from './cache-types.js';

/**
 * Cache metrics on the registry the composition root owns (never prom-client's global one: a module re-import,
 * as vitest does, would register them twice), read from cache.stats() at scrape time. Labels are bounded:
 * namespaces are declared, invalidation sources are table and matview names of the view registry (or
 * admin/start/reconnect), Redis operations a closed set.
 */
export function registerCacheMetrics(registry: Registry, cache: Cache): void {
  let snapshot: CacheStats | undefined;
  let takenAt = 0;
  // One stats() per scrape, however many metrics read it.
  const stats = () => {
    const now = Date.now();
    if (!snapshot || now - takenAt > 100) {
      snapshot = cache.stats();
      takenAt = now;
    }
    return snapshot;
  };
  const seen = new Map<string, number>();
  /** Cumulative numbers → counter increments since the last scrape. */
  const delta = (id: string, total: number) => {
    const d = total - (seen.get(id) ?? 0);
    seen.set(id, total);
    return d;
  };

  new Counter({
    name: 'kgdb_cache_hits_total',
    help: 'Cache reads answered without a query, by namespace and layer (memory, shared: Redis, inflight: joined a running load)',
    labelNames: ['namespace', 'layer'] as const,
    registers: [registry],
    collect() {
      for (const ns of stats().namespaces) {
        for (const layer of ['memory', 'shared', 'inflight'] as const) {
          const d = delta(`hit|${ns.namespace}|${layer}`, ns.hits[layer]);
          if (d > 0) this.inc({ namespace: ns.namespace, layer }, d);
        }
      }
    },
  });
  const perNamespace = (name: string, help: string, pick: (ns: CacheStats['namespaces'][number]) => number) =>
    new Counter({
      name,
      help,
      labelNames: ['namespace'] as const,
      registers: [registry],
      collect() {
        for (const ns of stats().namespaces) {
          const d = delta(`${name}|${ns.namespace}`, pick(ns));
          if (d > 0) this.inc({ namespace: ns.namespace }, d);
        }
      },
    });
  perNamespace('kgdb_cache_misses_total', 'Cache reads that ran the query, by namespace', (ns) => ns.misses);
  perNamespace(
    'kgdb_cache_stale_reads_total',
    'Reads answered with a value loaded across an invalidation of its namespace (never stored), by namespace',
    (ns) => ns.stale,
  );
  perNamespace(
    'kgdb_cache_bypassed_total',
    'Reads served from PostgreSQL without the cache (invalidation listener down, or namespace bypassed)',
    (ns) => ns.bypassed,
  );
  new Counter({
    name: 'kgdb_cache_invalidations_total',
    help: 'Namespace invalidations by kind (table, matview, admin, flush) and source (table or matview name, admin, start, reconnect)',
    labelNames: ['kind', 'source'] as const,
    registers: [registry],
    collect() {
      for (const [label, total] of Object.entries(stats().invalidations)) {
        const [kind = 'other', source = 'other'] = label.split(':', 2);
        const d = delta(`inv|${label}`, total);
        if (d > 0) this.inc({ kind, source }, d);
      }
    },
  });
  new Counter({
    name: 'kgdb_cache_redis_errors_total',
    help: 'Redis errors by operation; each was absorbed (the request went to PostgreSQL)',
    labelNames: ['operation'] as const,
    registers: [registry],
    collect() {
      for (const [op, total] of Object.entries(stats().shared?.errors ?? {})) {
        const d = delta(`redis|${op}`, total);
        if (d > 0) this.inc({ operation: op }, d);
      }
    },
  });
  new Gauge({
    name: 'kgdb_cache_entries',
    help: 'Entries in the in-process cache layer by namespace',
    labelNames: ['namespace'] as const,
    registers: [registry],
    collect() {
      for (const ns of stats().namespaces) this.set({ namespace: ns.namespace }, ns.memoryEntries);
    },
  });
  new Gauge({
    name: 'kgdb_cache_size_bytes',
    help: 'JSON size of the entries in the in-process cache layer by namespace',
    labelNames: ['namespace'] as const,
    registers: [registry],
    collect() {
      for (const ns of stats().namespaces) this.set({ namespace: ns.namespace }, ns.memoryBytes);
    },
  });
  new Gauge({
    name: 'kgdb_cache_live',
    help: '1 while the invalidation listener is connected and the cache serves; 0 while every read goes to PostgreSQL',
    registers: [registry],
    // Across `--workers`: 0 when any worker's cache is down, so the alert on 0 fires for one worker too.
    aggregator: 'min',
    collect() {
      this.set(stats().live ? 1 : 0);
    },
  });
  // Only with REDIS_URL: an unlabelled gauge would otherwise report a made-up 0.
  if (cache.stats().shared) {
    new Gauge({
      name: 'kgdb_cache_redis_synced',
      help: '1 while the shared Redis layer is in use; 0 while it is down or resynchronising',
      registers: [registry],
      aggregator: 'min',
      collect() {
        this.set(stats().shared?.synced ? 1 : 0);
      },
    });
  }
}
