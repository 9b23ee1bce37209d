import { describe, expect, it } from 'vitest';
import { cacheKey, canonicalJson, MAX_PLAIN_KEY_LENGTH } from '../../src/cache/cache-key.js';
import { createCache } from '../../src/cache/namespaced-cache.js';

const NAMESPACES = [
  { name: 'alpha', ttlMs: 60_000 },
  { name: 'beta', ttlMs: 60_000 },
];
const liveCache = (memory = {}) => createCache({ namespaces: NAMESPACES, live: true, memory });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe('cache keys', () => {
  it('canonical JSON sorts object keys at every depth and drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: undefined, x: 0 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[2,{"x":0,"z":1}]},"b":1}',
    );
    expect(canonicalJson({ a: 1, b: 2 })).toBe(canonicalJson({ b: 2, a: 1 }));
  });

  it('long keys become a digest, short ones stay readable', () => {
    expect(cacheKey({ page: 1 })).toBe('{"page":1}');
    const long = cacheKey({ ids: Array.from({ length: 100 }, (_, i) => i) });
    expect(long).toMatch(/^h:[0-9a-f]{64}$/);
    expect(long.length).toBeLessThanOrEqual(MAX_PLAIN_KEY_LENGTH);
  });
});

describe('namespaced cache (memory layer)', () => {
  it('100 concurrent misses of one key run the loader once', async () => {
    const cache = liveCache();
    const gate = deferred<string>();
    let loads = 0;
    const load = () => {
      loads += 1;
      return gate.promise;
    };
    const reads = Array.from({ length: 100 }, () => cache.get('alpha', 'k', load));
    gate.resolve('v');
    expect(await Promise.all(reads)).toEqual(Array(100).fill('v'));
    expect(loads).toBe(1);
    expect(await cache.get('alpha', 'k', load)).toBe('v');
    expect(loads).toBe(1);
    const ns = cache.stats().namespaces.find((n) => n.namespace === 'alpha');
    expect(ns).toMatchObject({ misses: 1, hits: { memory: 1, shared: 0, inflight: 99 }, stale: 0 });
    expect(cache.hitRate()).toBeCloseTo(100 / 101);
  });

  it('a load overtaken by an invalidation answers its callers, is not stored, and counts as stale', async () => {
    const cache = liveCache();
    const gate = deferred<string>();
    const first = cache.get('alpha', 'k', () => gate.promise);
    const joined = cache.get('alpha', 'k', () => Promise.resolve('never'));
    cache.invalidate('alpha', { kind: 'table', name: 'genes' });
    // After the invalidation a read does not join the old load: it starts a new one.
    const after = cache.get('alpha', 'k', () => Promise.resolve('new'));
    gate.resolve('old');
    expect(await Promise.all([first, joined, after])).toEqual(['old', 'old', 'new']);
    expect(await cache.get('alpha', 'k', () => Promise.resolve('unused'))).toBe('new');
    expect(cache.stats().namespaces[0]).toMatchObject({ stale: 2, invalidations: 1 });
    expect(cache.stats().invalidations).toEqual({ 'table:genes': 1 });
  });

  it('invalidating one namespace leaves the others; flushAll clears all', async () => {
    const cache = liveCache();
    await cache.get('alpha', 'k', async () => 1);
    await cache.get('beta', 'k', async () => 2);
    cache.invalidate('alpha', { kind: 'admin', name: 'admin' });
    expect(await cache.keys('alpha')).toEqual({ memory: [], shared: null });
    expect(await cache.keys('beta')).toEqual({ memory: ['k'], shared: null });
    cache.flushAll({ kind: 'flush', name: 'reconnect' });
    expect((await cache.keys('beta')).memory).toEqual([]);
  });

  it('not live (listener down): every read goes to the loader and nothing is stored', async () => {
    const cache = createCache({ namespaces: NAMESPACES });
    let loads = 0;
    const load = async () => ++loads;
    await cache.get('alpha', 'k', load);
    await cache.get('alpha', 'k', load);
    expect(loads).toBe(2);
    expect(cache.stats().namespaces[0]?.bypassed).toBe(2);
    cache.setLive(true);
    await cache.get('alpha', 'k', load);
    await cache.get('alpha', 'k', load);
    expect(loads).toBe(3);
  });

  it('a loader error reaches every waiter and is not cached', async () => {
    const cache = liveCache();
    const failing = () => Promise.reject(new Error('db down'));
    const reads = [cache.get('alpha', 'k', failing), cache.get('alpha', 'k', failing)];
    for (const r of reads) await expect(r).rejects.toThrow('db down');
    expect(await cache.get('alpha', 'k', async () => 'ok')).toBe('ok');
  });

  it('TTL per namespace', async () => {
    const cache = createCache({ namespaces: [{ name: 'short', ttlMs: 30 }], live: true });
    let loads = 0;
    const load = async () => ++loads;
    await cache.get('short', 'k', load);
    await cache.get('short', 'k', load);
    expect(loads).toBe(1);
    await sleep(60);
    await cache.get('short', 'k', load);
    expect(loads).toBe(2);
  });

  it('the memory layer is bounded by entries and by bytes', async () => {
    const byCount = liveCache({ maxEntries: 3 });
    for (const k of ['a', 'b', 'c', 'd']) await byCount.get('alpha', k, async () => k);
    expect((await byCount.keys('alpha')).memory).toEqual(['b', 'c', 'd']);

    const byBytes = liveCache({ maxBytes: 100, maxEntryBytes: 60 });
    await byBytes.get('alpha', 'big', async () => 'x'.repeat(80)); // 82 bytes of JSON: over the entry cap
    expect((await byBytes.keys('alpha')).memory).toEqual([]);
    for (const k of ['a', 'b', 'c']) await byBytes.get('alpha', k, async () => 'y'.repeat(38)); // 40 bytes each
    expect((await byBytes.keys('alpha')).memory).toEqual(['b', 'c']);
    expect(byBytes.stats().namespaces[0]).toMatchObject({ memoryEntries: 2, memoryBytes: 80 });
  });

  it('set() with a token stores only if the namespace was not invalidated since', async () => {
    const cache = liveCache();
    const token = await cache.token('alpha');
    await cache.set(token, 'k', 'v1');
    expect(await cache.get('alpha', 'k', async () => 'loaded')).toBe('v1');
    const old = await cache.token('alpha');
    cache.invalidate('alpha', { kind: 'table', name: 'genes' });
    await cache.set(old, 'k', 'stale');
    expect(await cache.get('alpha', 'k', async () => 'fresh')).toBe('fresh');
  });

  it('rejects bad declarations and unknown namespaces with the allowed names', async () => {
    expect(() => createCache({ namespaces: [{ name: 'Bad-Name', ttlMs: 1 }] })).toThrow(
      /Bad-Name: name must match/,
    );
    const cache = liveCache();
    expect(() => cache.get('gamma', 'k', async () => 1)).toThrow(
      "Unknown cache namespace 'gamma'. Known: alpha, beta",
    );
  });
});
