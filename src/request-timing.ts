import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * What one request spent where, for its `Server-Timing` header: database time summed over the statements it
 * ran (concurrent statements add up, so this can exceed the wall time) and whether the cache answered. Scoped
 * with AsyncLocalStorage: the db and cache modules report into whatever request is current, and work started
 * outside a request (refreshes, detached shadow runs) reports nowhere.
 */
export interface RequestTiming {
  dbMs: number;
  /** Statements run. */
  queries: number;
  /** Cache reads answered from a layer / computed by their loader. */
  cacheHits: number;
  cacheMisses: number;
}

const storage = new AsyncLocalStorage<RequestTiming>();

export const newRequestTiming = (): RequestTiming => ({ dbMs: 0, queries: 0, cacheHits: 0, cacheMisses: 0 });

/** Runs `fn` (and everything it starts) with `timing` as the current request's record. */
export function runTimed<T>(timing: RequestTiming, fn: () => T): T {
  return storage.run(timing, fn);
}

export const currentTiming = (): RequestTiming | undefined => storage.getStore();

export function recordQuery(ms: number): void {
  const t = storage.getStore();
  if (!t) return;
  t.dbMs += ms;
  t.queries++;
}

export function recordCacheRead(hit: boolean): void {
  const t = storage.getStore();
  if (!t) return;
  if (hit) t.cacheHits++;
  else t.cacheMisses++;
}

/** 'hit': the cache answered and the database was not asked; 'miss': a cache read went to the database. */
function cacheVerdict(t: RequestTiming): 'hit' | 'miss' | null {
  if (t.cacheHits + t.cacheMisses === 0) return null;
  return t.cacheMisses === 0 && t.queries === 0 ? 'hit' : 'miss';
}

/** The header value: `db;dur=1.7, arm;desc="views", cache;desc="hit"` (cache only when one was read). */
export function serverTimingHeader(t: RequestTiming, arm: string): string {
  const parts = [`db;dur=${t.dbMs.toFixed(1)}`, `arm;desc="${arm}"`];
  const cache = cacheVerdict(t);
  if (cache) parts.push(`cache;desc="${cache}"`);
  return parts.join(', ');
}
