import { LRUCache } from 'lru-cache';

/** Bounds of the in-process layer. */
export interface MemoryLimits {
  /** Most entries over all namespaces; default 10,000. */
  maxEntries?: number;
  /** Most bytes (JSON text length) over all namespaces; default 64 MiB. */
  maxBytes?: number;
  /** Larger values are not kept in memory (they still go to Redis); default maxBytes / 8. */
  maxEntryBytes?: number;
}

interface Entry {
  namespace: string;
  key: string;
  value: unknown;
  bytes: number;
}

interface NamespaceUsage {
  entries: number;
  bytes: number;
}

/**
 * This process's size-bounded LRU, indexed by namespace so clearing one namespace touches only its own
 * entries (O(namespace), never a scan of everything). The index and the byte counts follow the LRU through
 * its dispose hook, which runs for deletes, evictions, expiries and overwrites alike.
 */
export interface MemoryLayer {
  get(namespace: string, key: string): { value: unknown } | undefined;
  /** False when the value is larger than maxEntryBytes and was not kept. */
  set(namespace: string, key: string, value: unknown, bytes: number, ttlMs: number): boolean;
  delete(namespace: string, key: string): boolean;
  /** Drops the namespace's entries; returns how many there were. */
  clearNamespace(namespace: string): number;
  clear(): number;
  /** Live keys of the namespace, sorted. */
  keys(namespace: string): string[];
  usage(namespace: string): NamespaceUsage;
  /** Drops expired entries now (they otherwise go when next looked at), so usage() counts live ones. */
  purgeExpired(): void;
  readonly limits: Required<MemoryLimits>;
}

const SEPARATOR = '\u0000';

export function createMemoryLayer(limits: MemoryLimits = {}): MemoryLayer {
  const maxEntries = limits.maxEntries ?? 10_000;
  const maxBytes = limits.maxBytes ?? 64 * 1024 * 1024;
  const maxEntryBytes = limits.maxEntryBytes ?? Math.floor(maxBytes / 8);
  const index = new Map<string, Set<string>>();
  const bytes = new Map<string, number>();

  const lru = new LRUCache<string, Entry>({
    max: maxEntries,
    maxSize: maxBytes,
    maxEntrySize: maxEntryBytes,
    sizeCalculation: (entry) => Math.max(1, entry.bytes),
    updateAgeOnGet: false,
    allowStale: false,
    dispose: (entry) => {
      index.get(entry.namespace)?.delete(entry.key);
      bytes.set(entry.namespace, (bytes.get(entry.namespace) ?? 0) - entry.bytes);
    },
  });
  const full = (namespace: string, key: string) => `${namespace}${SEPARATOR}${key}`;

  const clearNamespace = (namespace: string): number => {
    const keys = [...(index.get(namespace) ?? [])];
    for (const key of keys) lru.delete(full(namespace, key));
    return keys.length;
  };

  return {
    limits: { maxEntries, maxBytes, maxEntryBytes },
    get(namespace, key) {
      const entry = lru.get(full(namespace, key));
      return entry ? { value: entry.value } : undefined;
    },
    set(namespace, key, value, size, ttlMs) {
      const k = full(namespace, key);
      const entry: Entry = { namespace, key, value, bytes: size };
      lru.set(k, entry, { ttl: ttlMs });
      // Too large for the layer: lru-cache drops it (and any older value under the key) without storing.
      if (lru.peek(k, { allowStale: true }) !== entry) return false;
      const keys = index.get(namespace) ?? new Set<string>();
      index.set(namespace, keys);
      keys.add(key);
      bytes.set(namespace, (bytes.get(namespace) ?? 0) + size);
      return true;
    },
    delete: (namespace, key) => lru.delete(full(namespace, key)),
    clearNamespace,
    clear() {
      const n = lru.size;
      lru.clear();
      return n;
    },
    keys: (namespace) =>
      [...(index.get(namespace) ?? [])].filter((key) => lru.has(full(namespace, key))).sort(),
    purgeExpired: () => {
      lru.purgeStale();
    },
    usage: (namespace) => ({ entries: index.get(namespace)?.size ?? 0, bytes: bytes.get(namespace) ?? 0 }),
  };
}
