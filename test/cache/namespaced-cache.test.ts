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

describe('renditions (what is made from a cached value, kept with its entry)', () => {
  /** A render function that counts its calls and says whether it was asked for a kept rendition. */
  const renderer = () => {
    const calls: boolean[] = [];
    return {
      calls,
      render: (kept: boolean) => {
        calls.push(kept);
        return { body: `body ${calls.length}`, kept };
      },
    };
  };
  const BYTES = { bytes: () => 10 };

  it('made once per variant and value, handed out again while the entry lives', async () => {
    const cache = liveCache();
    const value = await cache.get('alpha', 'k', async () => ({ n: 1 }));
    const { calls, render } = renderer();
    const first = cache.rendition(value, 'v1', render, BYTES);
    expect(cache.rendition(value, 'v1', render, BYTES)).toBe(first);
    expect(cache.rendition(await cache.get('alpha', 'k', async () => ({ n: 2 })), 'v1', render, BYTES)).toBe(
      first,
    );
    cache.rendition(value, 'v2', render, BYTES);
    expect(calls).toEqual([true, true]);
    // The value's JSON ({"n":1}: 7 bytes) plus two renditions of 10 bytes and their variant names.
    expect(cache.stats().namespaces[0]?.memoryBytes).toBe(7 + 2 * (10 + 2));
  });

  it('gone exactly with the entry: invalidation, key clear, flush', async () => {
    const cache = liveCache();
    const { calls, render } = renderer();
    for (const drop of [
      () => cache.invalidate('alpha', { kind: 'table', name: 'genes' }),
      () => cache.invalidateKey('alpha', 'k'),
      () => cache.flushAll({ kind: 'flush', name: 'reconnect' }),
    ]) {
      const value = await cache.get('alpha', 'k', async () => ({ n: 1 }));
      cache.rendition(value, 'v', render, BYTES);
      cache.rendition(value, 'v', render, BYTES);
      await drop();
      // The old value is no entry's any more: made for the call only.
      cache.rendition(value, 'v', render, BYTES);
      expect(calls.splice(0)).toEqual([true, false]);
    }
  });

  it('an invalidation of another namespace leaves it; of a namespace it depends on, drops it', async () => {
    const cache = liveCache();
    const value = await cache.get('alpha', 'k', async () => ({ n: 1 }));
    const other = await cache.get('beta', 'k', async () => ({ m: 1 }));
    const { calls, render } = renderer();
    const options = { ...BYTES, dependsOn: [other] };
    cache.rendition(value, 'v', render, options);
    // A new object under the same generation (e.g. stored again by another load): still the same data.
    const token = await cache.token('beta');
    await cache.set(token, 'k', { m: 1 });
    const again = await cache.get('beta', 'k', async () => ({ m: 2 }));
    expect(again).not.toBe(other);
    cache.rendition(value, 'v', render, { ...BYTES, dependsOn: [again] });
    expect(calls).toEqual([true]);
    cache.invalidate('beta', { kind: 'table', name: 'genes' });
    const fresh = await cache.get('beta', 'k', async () => ({ m: 3 }));
    cache.rendition(value, 'v', render, { ...BYTES, dependsOn: [fresh] });
    expect(calls).toEqual([true, true]);
    // A dependency no entry holds: nothing can be kept.
    cache.rendition(value, 'v', render, { ...BYTES, dependsOn: [{ m: 4 }] });
    expect(calls).toEqual([true, true, false]);
  });

  it('an object rendition is held by the same entry: renditions of it are kept there too', async () => {
    const cache = liveCache();
    const value = await cache.get('alpha', 'k', async () => ({ n: 1 }));
    const page = cache.rendition(value, 'page', () => ({ wrapped: value }), { bytes: () => 0 });
    expect(cache.rendition(value, 'page', () => ({ wrapped: value }), { bytes: () => 0 })).toBe(page);
    const { calls, render } = renderer();
    cache.rendition(page, '/url', render, BYTES);
    cache.rendition(page, '/url', render, BYTES);
    expect(calls).toEqual([true]);
    cache.invalidate('alpha', { kind: 'admin', name: 'admin' });
    cache.rendition(page, '/url', render, BYTES);
    expect(calls).toEqual([true, false]);
  });

  it('not kept for values the cache does not hold, while not live, or in a bypassed namespace', async () => {
    const cache = liveCache();
    const { calls, render } = renderer();
    cache.rendition({ n: 1 }, 'v', render, BYTES);
    cache.rendition(null, 'v', render, BYTES);
    const value = await cache.get('alpha', 'k', async () => ({ n: 1 }));
    cache.setLive(false);
    cache.rendition(value, 'v', render, BYTES);
    cache.setLive(true);
    cache.bypass('beta', true);
    const bypassed = await cache.get('beta', 'k', async () => ({ n: 1 }));
    cache.rendition(bypassed, 'v', render, BYTES);
    expect(calls).toEqual([false, false, false, false]);
  });

  it('bounded: at most maxRenditions per entry (least recently used goes), and never past maxEntryBytes', async () => {
    const cache = liveCache({ maxRenditions: 2, maxEntryBytes: 40 });
    const value = await cache.get('alpha', 'k', async () => ({ n: 1 }));
    const { calls, render } = renderer();
    cache.rendition(value, 'a', render, BYTES);
    cache.rendition(value, 'b', render, BYTES);
    cache.rendition(value, 'a', render, BYTES);
    cache.rendition(value, 'c', render, BYTES); // b goes
    cache.rendition(value, 'a', render, BYTES);
    cache.rendition(value, 'b', render, BYTES);
    expect(calls).toEqual([true, true, true, true]);
    // 7 bytes of value and 11 of the rendition left beside it: another 31 pass 40. Not kept, and the entry
    // takes no more (so it is not made as a kept one again).
    const big = { bytes: () => 30 };
    cache.rendition(value, 'x', render, big);
    cache.rendition(value, 'x', render, big);
    expect(calls.slice(4)).toEqual([true, false]);
    expect(await cache.get('alpha', 'k', async () => ({ n: 2 }))).toBe(value);
  });
});
