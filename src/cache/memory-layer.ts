import { LRUCache } from 'lru-cache';

/** Bounds of the in-process layer. */
export interface MemoryLimits {
  /** Most entries over all namespaces; default 10,000. */
  maxEntries?: number;
  /** Most bytes (JSON text length, plus the renditions kept with an entry) over all namespaces; default 64 MiB. */
  maxBytes?: number;
  /**
   * Larger values are not kept in memory (they still go to Redis), nor renditions that would make an entry
   * larger; default maxBytes / 8.
   */
  maxEntryBytes?: number;
  /** Most renditions kept with one entry (least recently used goes first); default 8. */
  maxRenditions?: number;
}

/** Something made from an entry's value (or from another rendition of it), kept with the entry. */
interface Rendition {
  value: unknown;
  bytes: number;
  /** Opaque to this layer: what the cache checks before handing the rendition out again. */
  stamp: string;
}

interface KeptRendition extends Rendition {
  /** The object it was made from: a rendition is only handed out for that very object. */
  from: object;
}

/** What the layer tells about the entry holding an object. */
interface Holder {
  readonly namespace: string;
  /** A rendition did not fit under maxEntryBytes: the entry takes no more. */
  readonly full: boolean;
}

interface Entry extends Holder {
  key: string;
  value: unknown;
  /** The value's own size (JSON text length). */
  bytes: number;
  renditions: Map<string, KeptRendition>;
  renditionBytes: number;
  full: boolean;
}

interface NamespaceUsage {
  entries: number;
  bytes: number;
}

/**
 * This process's size-bounded LRU, indexed by namespace so clearing one namespace touches only its own
 * entries (O(namespace), never a scan of everything). The index and the byte counts follow the LRU through
 * its dispose hook, which runs for deletes, evictions, expiries and overwrites alike.
 *
 * Renditions (e.g. the response body serialized from a value) live inside the entry of the value they were
 * made from, so they go exactly when it goes, for whatever reason, and count towards its size. They are
 * found by the identity of what they were made from: objects handed out by this layer are remembered (weakly)
 * with the entry that holds them.
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
  /** The live entry holding `value` (as its value or as a rendition kept with it); undefined if none does. */
  holderOf(value: object): Holder | undefined;
  /** The rendition `variant` made from `from`, if the entry holding `from` keeps one. */
  rendition(from: object, variant: string): Rendition | undefined;
  /**
   * Keeps `rendition` of `from` with the entry holding `from`; false when no live entry holds it or the entry
   * would grow past maxEntryBytes (it is full from then on). An object rendition is itself held by that entry.
   */
  keepRendition(from: object, variant: string, rendition: Rendition): boolean;
  readonly limits: Required<MemoryLimits>;
}

const SEPARATOR = '\u0000';

/** Where an object handed out by the layer lives: the entry's key, and the value the entry must still hold. */
interface Origin {
  full: string;
  root: unknown;
}

export function createMemoryLayer(limits: MemoryLimits = {}): MemoryLayer {
  const maxEntries = limits.maxEntries ?? 10_000;
  const maxBytes = limits.maxBytes ?? 64 * 1024 * 1024;
  const maxEntryBytes = limits.maxEntryBytes ?? Math.floor(maxBytes / 8);
  const maxRenditions = limits.maxRenditions ?? 8;
  const index = new Map<string, Set<string>>();
  const bytes = new Map<string, number>();
  const origins = new WeakMap<object, Origin>();
  const size = (entry: Entry) => entry.bytes + entry.renditionBytes;

  const lru = new LRUCache<string, Entry>({
    max: maxEntries,
    maxSize: maxBytes,
    maxEntrySize: maxEntryBytes,
    sizeCalculation: (entry) => Math.max(1, size(entry)),
    updateAgeOnGet: false,
    allowStale: false,
    dispose: (entry) => {
      index.get(entry.namespace)?.delete(entry.key);
      bytes.set(entry.namespace, (bytes.get(entry.namespace) ?? 0) - size(entry));
    },
  });
  const full = (namespace: string, key: string) => `${namespace}${SEPARATOR}${key}`;

  /** Stores `entry`, replacing what the key held; false when lru-cache refused it as too large. */
  const put = (k: string, entry: Entry, options: { ttl: number } | { noUpdateTTL: true }) => {
    lru.set(k, entry, options);
    // Too large for the layer: lru-cache drops it (and any older value under the key) without storing.
    if (lru.peek(k, { allowStale: true }) !== entry) return false;
    const keys = index.get(entry.namespace) ?? new Set<string>();
    index.set(entry.namespace, keys);
    keys.add(entry.key);
    bytes.set(entry.namespace, (bytes.get(entry.namespace) ?? 0) + size(entry));
    return true;
  };

  /** The live entry holding `value`: the one it was handed out from, if that still holds the same value. */
  const entryOf = (value: object): Entry | undefined => {
    const origin = origins.get(value);
    if (!origin) return undefined;
    const entry = lru.peek(origin.full);
    return entry?.value === origin.root ? entry : undefined;
  };

  const clearNamespace = (namespace: string): number => {
    const keys = [...(index.get(namespace) ?? [])];
    for (const key of keys) lru.delete(full(namespace, key));
    return keys.length;
  };

  return {
    limits: { maxEntries, maxBytes, maxEntryBytes, maxRenditions },
    get(namespace, key) {
      const entry = lru.get(full(namespace, key));
      return entry ? { value: entry.value } : undefined;
    },
    set(namespace, key, value, valueBytes, ttlMs) {
      const k = full(namespace, key);
      const entry: Entry = {
        namespace,
        key,
        value,
        bytes: valueBytes,
        renditions: new Map(),
        renditionBytes: 0,
        full: false,
      };
      if (!put(k, entry, { ttl: ttlMs })) return false;
      if (typeof value === 'object' && value !== null) origins.set(value, { full: k, root: value });
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
    holderOf: entryOf,
    rendition(from, variant) {
      const kept = entryOf(from)?.renditions;
      const found = kept?.get(variant);
      if (!kept || found?.from !== from) return undefined;
      // Most recently used last: a full entry gives up its least used rendition first.
      kept.delete(variant);
      kept.set(variant, found);
      return found;
    },
    keepRendition(from, variant, rendition) {
      const entry = entryOf(from);
      if (!entry) return false;
      const renditions = new Map(entry.renditions);
      renditions.delete(variant);
      while (renditions.size >= maxRenditions) renditions.delete(renditions.keys().next().value as string);
      renditions.set(variant, { ...rendition, from });
      let renditionBytes = 0;
      for (const r of renditions.values()) renditionBytes += r.bytes;
      const grown: Entry = { ...entry, renditions, renditionBytes };
      if (size(grown) > maxEntryBytes) {
        entry.full = true;
        return false;
      }
      // lru-cache sizes an entry when it is set: a new entry object under the same key, the expiry kept.
      const k = full(entry.namespace, entry.key);
      if (!put(k, grown, { noUpdateTTL: true })) return false;
      const root = origins.get(from)?.root;
      const value = rendition.value;
      if (typeof value === 'object' && value !== null) origins.set(value, { full: k, root });
      return true;
    },
  };
}
