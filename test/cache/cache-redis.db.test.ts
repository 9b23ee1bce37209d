import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publishCacheClear } from '../../src/cache/cache-invalidator.js';
import { createCache } from '../../src/cache/namespaced-cache.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { REDIS_SKIP_REASON, type RedisServer, redisServerBinary, startRedis } from '../helpers/redis.js';
import {
  buildCachedApp,
  type CachedApp,
  getJson,
  SCORED,
  seedCacheFixture,
  UNSCORED,
  waitFor,
  writeAndAwaitInvalidation,
} from './cache-fixture.js';

// Several instances share Redis; invalidation reaches every instance; Redis down → PostgreSQL.

const hasRedis = redisServerBinary() !== undefined;
if (!hasRedis) console.warn(REDIS_SKIP_REASON);

describe.skipIf(!hasRedis)('shared Redis layer', () => {
  let redis: RedisServer;
  let db: TestDatabase;
  let ids: Map<string, number>;
  let a: CachedApp;
  let b: CachedApp;

  beforeAll(async () => {
    redis = await startRedis();
    db = await createTestDatabase(6);
    ids = await seedCacheFixture(db.pool);
    a = await buildCachedApp(db.pool, { redisUrl: redis.url, applicationName: 'kgdb-cache-a' });
    b = await buildCachedApp(db.pool, { redisUrl: redis.url, applicationName: 'kgdb-cache-b' });
    await waitFor('both caches synced with Redis', () =>
      [a, b].every((x) => x.caching.cache.stats().shared?.synced === true),
    );
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await db?.drop();
    await redis?.stop();
  });

  const sharedHits = (x: CachedApp) =>
    x.caching.cache.stats().namespaces.reduce((s, ns) => s + ns.hits.shared, 0);
  const setAliases = (symbol: string, value: string) =>
    db.pool.query('update genes set aliases = array[$1::text] where id = $2', [value, ids.get(symbol)]);

  it('instances share entries: what A loaded, B reads from Redis', async () => {
    const url = `/api/genes/${SCORED[0]}`;
    const fromA = await getJson(a.app, url);
    const before = sharedHits(b);
    expect(await getJson(b.app, url)).toEqual(fromA);
    expect(sharedHits(b)).toBe(before + 1);
    expect((await b.caching.cache.keys('gene_detail')).shared).toContain(SCORED[0]);
  });

  it('bodies stay in each process; an instance rendering from the Redis entry sends the same bytes and ETag', async () => {
    const urls = [`/api/genes/${SCORED[4]}/evidence`, '/api/genes/?filter[hide_zero_scores]=false'];
    const tags = async (x: CachedApp) => {
      const out: string[] = [];
      for (const url of urls) {
        const res = await x.app.inject({ method: 'GET', url, headers: { 'accept-encoding': 'br' } });
        expect(res.statusCode).toBe(200);
        out.push(`${res.headers.etag} ${res.headers['content-encoding']}`);
      }
      return out;
    };
    // A command timing out on a busy machine takes a layer out of use until it has resynced.
    await waitFor('both caches synced with Redis', () =>
      [a, b].every((x) => x.caching.cache.stats().shared?.synced === true),
    );
    const fromA = await tags(a);
    const before = sharedHits(b);
    expect(await tags(b)).toEqual(fromA);
    expect(sharedHits(b)).toBeGreaterThan(before);
    // Both kept what they sent (the list compressed alike), neither wrote a body to Redis: only value keys.
    expect(fromA[1]).toMatch(/-br" br$/);
    expect((await b.caching.cache.keys('gene_evidence')).shared).toEqual(
      (await b.caching.cache.keys('gene_evidence')).memory,
    );

    await writeAndAwaitInvalidation([a.caching.cache, b.caching.cache], 'table:gene_evidence', () =>
      db.pool.query(
        `update gene_evidence set evidence_data = evidence_data || '{"marker": "redis"}'::jsonb where gene_id = $1`,
        [ids.get(SCORED[4] as string)],
      ),
    );
    const [afterA, afterB] = [await tags(a), await tags(b)];
    expect(afterB).toEqual(afterA);
    expect(afterA[0]).not.toBe(fromA[0]);
    expect(afterA[1]).toBe(fromA[1]);
  });

  it('a write invalidates both instances (200 randomized writes, both read once the invalidation arrived: 0 stale)', async () => {
    const stale: string[] = [];
    for (let i = 0; i < 200; i++) {
      const symbol = UNSCORED[i % UNSCORED.length] as string;
      const urls = [
        `/api/genes/${symbol}`,
        `/api/genes/?filter[hide_zero_scores]=false&filter[ids]=${ids.get(symbol)}`,
      ];
      // Cached on both instances and in Redis before the write.
      for (const x of [a, b]) for (const url of urls) await getJson(x.app, url);
      const value = `v${i}`;
      await writeAndAwaitInvalidation([a.caching.cache, b.caching.cache], 'table:genes', () =>
        setAliases(symbol, value),
      );
      // Alternate who reads first: the first reader's load must not hand the other a stale Redis entry.
      for (const x of i % 2 === 0 ? [a, b] : [b, a]) {
        const detail = (await getJson(x.app, urls[0] as string)).data.attributes.aliases;
        const list = (await getJson(x.app, urls[1] as string)).data[0].attributes.aliases;
        if (detail.join() !== value || list.join() !== value)
          stale.push(`${x === a ? 'A' : 'B'} ${symbol}: ${detail} / ${list}`);
      }
    }
    expect(stale).toEqual([]);
    expect(sharedHits(a) + sharedHits(b)).toBeGreaterThan(100);
  });

  it('an admin clear (NOTIFY kgdb_cache_clear) reaches every instance and Redis', async () => {
    await getJson(a.app, '/api/statistics/summary');
    await getJson(b.app, '/api/statistics/summary');
    expect((await a.caching.cache.keys('statistics')).memory.length).toBeGreaterThan(0);
    await publishCacheClear(db.pool, { namespace: 'statistics' });
    await waitFor('both instances cleared', async () => {
      const [ka, kb] = await Promise.all([
        a.caching.cache.keys('statistics'),
        b.caching.cache.keys('statistics'),
      ]);
      return ka.memory.length === 0 && kb.memory.length === 0 && ka.shared?.length === 0;
    });
  });

  it('Redis stopped mid-test: every request still succeeds (from PostgreSQL), errors counted; back in use after a restart', async () => {
    const urls = [
      '/api/genes/',
      `/api/genes/${SCORED[1]}`,
      `/api/genes/${SCORED[1]}/evidence`,
      '/api/statistics/summary',
    ];
    for (const url of urls) await getJson(a.app, url);
    await redis.stop();
    const failures: string[] = [];
    for (let i = 0; i < 100; i++) {
      const symbol = UNSCORED[i % UNSCORED.length] as string;
      if (i % 10 === 0) {
        await writeAndAwaitInvalidation([a.caching.cache, b.caching.cache], 'table:genes', () =>
          setAliases(symbol, `down${i}`),
        );
        for (const x of [a, b]) {
          const got = (await getJson(x.app, `/api/genes/${symbol}`)).data.attributes.aliases;
          if (got.join() !== `down${i}`) failures.push(`stale while Redis is down: ${got}`);
        }
      }
      const responses = await Promise.all(
        [...urls, `/api/genes/${symbol}`].flatMap((url) =>
          [a, b].map((x) => x.app.inject({ method: 'GET', url })),
        ),
      );
      for (const r of responses) if (r.statusCode !== 200) failures.push(`${r.statusCode} ${r.body}`);
    }
    expect(failures).toEqual([]);
    const errors = a.caching.cache.stats().shared?.errors ?? {};
    expect(a.caching.cache.stats().shared?.synced).toBe(false);
    expect(Object.values(errors).reduce((s, n) => s + n, 0)).toBeGreaterThan(0);

    await redis.start();
    await waitFor('resync after the restart', () =>
      [a, b].every((x) => x.caching.cache.stats().shared?.synced === true),
    );
    const url = `/api/genes/${SCORED[2]}`;
    await getJson(a.app, url);
    const before = sharedHits(b);
    await getJson(b.app, url);
    expect(sharedHits(b)).toBe(before + 1);
  }, 120_000);

  it('Redis hanging (SIGSTOP): requests succeed, and Redis is skipped until it answers again', async () => {
    const urls = [
      `/api/genes/${SCORED[3]}`,
      `/api/genes/${SCORED[3]}/evidence`,
      '/api/genes/?page[number]=2',
    ];
    for (const url of urls) await getJson(a.app, url);
    const redisErrors = () =>
      Object.values(a.caching.cache.stats().shared?.errors ?? {}).reduce((sum, n) => sum + n, 0);
    const errorsBefore = redisErrors();
    redis.pause();
    try {
      await writeAndAwaitInvalidation([a.caching.cache], 'table:genes', () =>
        setAliases(UNSCORED[1] as string, 'hung'),
      );
      const REQUESTS = 30;
      for (let i = 0; i < REQUESTS; i++) {
        const url = i % 2 === 0 ? `/api/genes/${UNSCORED[1]}` : (urls[i % urls.length] as string);
        const body = await getJson(a.app, url);
        if (i % 2 === 0) expect(body.data.attributes.aliases).toEqual(['hung']);
      }
      // Every request would have timed out on Redis had it kept asking: the first timeouts take it out of use.
      expect(a.caching.cache.stats().shared?.synced).toBe(false);
      expect(redisErrors() - errorsBefore).toBeGreaterThan(0);
      expect(redisErrors() - errorsBefore).toBeLessThan(REQUESTS / 3);
    } finally {
      redis.resume();
    }
    await waitFor('back in use', () => a.caching.cache.stats().shared?.synced === true);
  }, 60_000);

  it('a load that started before a version bump elsewhere writes under the dead version: nobody reads it', async () => {
    const ns = [{ name: 'alpha', ttlMs: 60_000 }];
    const slow = createCache({ namespaces: ns, redisUrl: redis.url, live: true });
    const other = createCache({ namespaces: ns, redisUrl: redis.url, live: true });
    let slowClosed = false;
    try {
      await waitFor(
        'synced',
        () => slow.stats().shared?.synced === true && other.stats().shared?.synced === true,
      );
      let release!: () => void;
      const gate = new Promise<void>((r) => {
        release = r;
      });
      let loaderStarted!: () => void;
      const querying = new Promise<void>((r) => {
        loaderStarted = r;
      });
      const loading = slow.get('alpha', 'k', async () => {
        loaderStarted();
        await gate;
        return 'before the change';
      });
      await querying; // the slow load has read the version and is "querying"
      other.invalidate('alpha', { kind: 'table', name: 'genes' }); // the change's notification reached `other` first
      await other.get('alpha', 'unrelated', async () => 'x'); // waits for other's bump to land
      release();
      expect(await loading).toBe('before the change');
      // The load's Redis write is fire-and-forget; closing the connection waits for it (QUIT runs after it).
      await slow.close();
      slowClosed = true;
      expect(await other.get('alpha', 'k', async () => 'after the change')).toBe('after the change');
    } finally {
      if (!slowClosed) await slow.close();
      await other.close();
    }
  });
});
