import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NamespaceStats } from '../../src/cache/cache-types.js';
import { VIEWS } from '../../src/views/defs/index.js';
import { createRefresher } from '../../src/views/refresher.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import {
  buildCachedApp,
  type CachedApp,
  SCORED,
  seedCacheFixture,
  UNSCORED,
  writeAndAwaitInvalidation,
} from './cache-fixture.js';

// The ETag of a gene answer follows its data: the body kept with a cache entry goes when the entry does (the
// invalidation map decides that, docs/data-model.md), and the tag is a hash of the body, so it changes exactly
// when the bytes do (docs/api.md, "Caching and conditional requests").

let db: TestDatabase;
let ids: Map<string, number>;
let cached: CachedApp;

beforeAll(async () => {
  db = await createTestDatabase(6);
  ids = await seedCacheFixture(db.pool);
  cached = await buildCachedApp(db.pool, { applicationName: 'kgdb-cache-etag' });
});
afterAll(async () => {
  await cached?.close();
  await db?.drop();
});

const get = (url: string, headers: Record<string, string> = {}) =>
  cached.app.inject({ method: 'GET', url, headers });

/** The current tag of each URL, read twice so the body is kept before anything changes. */
async function tagsOf(urls: readonly string[]): Promise<string[]> {
  const tags: string[] = [];
  for (const url of urls) {
    await get(url);
    const res = await get(url);
    expect(res.statusCode, url).toBe(200);
    expect(res.headers['server-timing'], url).toContain('cache;desc="hit"');
    tags.push(String(res.headers.etag));
  }
  return tags;
}

const namespace = (name: string): NamespaceStats => {
  const found = cached.caching.cache.stats().namespaces.find((ns) => ns.namespace === name);
  if (!found) throw new Error(`no namespace ${name}`);
  return found;
};

describe('ETag and invalidation', () => {
  it('a write the answers show: new tags; the old tag gets 200 with the new body, the new one 304', async () => {
    const symbol = UNSCORED[0] as string;
    const urls = [
      `/api/genes/${symbol}`,
      `/api/genes/?filter[hide_zero_scores]=false&filter[ids]=${ids.get(symbol)}`,
    ];
    const before = await tagsOf(urls);
    await writeAndAwaitInvalidation([cached.caching.cache], 'table:genes', () =>
      db.pool.query('update genes set aliases = array[$1::text] where id = $2', ['etag-1', ids.get(symbol)]),
    );
    for (const [i, url] of urls.entries()) {
      const old = await get(url, { 'if-none-match': before[i] as string });
      expect(old.statusCode, url).toBe(200);
      expect(old.body).toContain('etag-1');
      expect(old.headers.etag).not.toBe(before[i]);
      expect((await get(url, { 'if-none-match': String(old.headers.etag) })).statusCode).toBe(304);
    }
  });

  it('a write that clears an entry but not what the answer shows: the body is made again, to the same tag', async () => {
    // genes clears gene_evidence too (the symbol lookup reads it), but the evidence answer shows no aliases.
    const symbol = UNSCORED[1] as string;
    const url = `/api/genes/${symbol}/evidence`;
    const [before] = await tagsOf([url]);
    const misses = namespace('gene_evidence').misses;
    await writeAndAwaitInvalidation([cached.caching.cache], 'table:genes', () =>
      db.pool.query('update genes set aliases = array[$1::text] where id = $2', ['etag-2', ids.get(symbol)]),
    );
    const res = await get(url, { 'if-none-match': before as string });
    expect(res.statusCode).toBe(304);
    expect(res.headers.etag).toBe(before);
    expect(namespace('gene_evidence').misses).toBe(misses + 1);
  });

  it('a write to another namespace: the kept list and detail bodies stay, tags unchanged; the evidence changes', async () => {
    const symbol = SCORED[1] as string;
    const urls = ['/api/genes/', `/api/genes/${symbol}`, `/api/genes/${symbol}/evidence`];
    const before = await tagsOf(urls);
    const kept = { list: namespace('gene_list'), detail: namespace('gene_detail') };
    // gene_evidence is read live only by the evidence answer; the list and detail read its matviews.
    await writeAndAwaitInvalidation([cached.caching.cache], 'table:gene_evidence', () =>
      db.pool.query(
        `update gene_evidence set evidence_data = evidence_data || '{"marker": "etag-3"}'::jsonb
          where gene_id = $1 and source_name = 'Literature'`,
        [ids.get(symbol)],
      ),
    );
    for (const [i, url] of urls.slice(0, 2).entries())
      expect((await get(url, { 'if-none-match': before[i] as string })).statusCode, url).toBe(304);
    // Neither loaded nor rendered again: the same entries, the same bytes.
    for (const [name, stats] of [
      ['gene_list', kept.list],
      ['gene_detail', kept.detail],
    ] as const)
      expect(namespace(name)).toMatchObject({
        misses: stats.misses,
        invalidations: stats.invalidations,
        memoryBytes: stats.memoryBytes,
      });
    const evidence = await get(urls[2] as string, { 'if-none-match': before[2] as string });
    expect(evidence.statusCode).toBe(200);
    expect(evidence.body).toContain('etag-3');
  });

  it('a matview refresh: unchanged data keeps the tags (bodies made again); a changed score changes them', async () => {
    const refresher = createRefresher({ pool: db.pool, views: VIEWS, listen: false });
    const refresh = () =>
      writeAndAwaitInvalidation([cached.caching.cache], 'matview:gene_scores', async () => {
        const results = await refresher.refresh();
        expect(results.every((r) => r.outcome === 'refreshed')).toBe(true);
      });
    const symbol = SCORED[2] as string;
    const urls = ['/api/genes/?page[size]=100', `/api/genes/${symbol}`];
    const before = await tagsOf(urls);
    const invalidations = namespace('gene_list').invalidations;
    await refresh();
    expect(namespace('gene_list').invalidations).toBeGreaterThan(invalidations);
    for (const [i, url] of urls.entries())
      expect((await get(url, { 'if-none-match': before[i] as string })).statusCode, url).toBe(304);

    // More publications move the gene's Literature score, so its evidence_score and the list order.
    await db.pool.query(
      `update gene_evidence set evidence_data = jsonb_build_object('publications',
          (select jsonb_agg(n::text) from generate_series(1, 40) n))
        where gene_id = $1 and source_name = 'Literature'`,
      [ids.get(symbol)],
    );
    const unchanged = await tagsOf(urls);
    expect(unchanged).toEqual(before);
    await refresh();
    for (const [i, url] of urls.entries()) {
      const res = await get(url, { 'if-none-match': before[i] as string });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers.etag).not.toBe(before[i]);
    }
  });
});
