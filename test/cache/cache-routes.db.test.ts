import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser, bearer, loginAs } from '../auth/auth-test-kit.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import {
  buildCachedApp,
  type CachedApp,
  getJson,
  SCORED,
  seedCacheFixture,
  waitFor,
} from './cache-fixture.js';

// Admin cache API (/api/admin/cache, admin only by path) and the cache metrics.

let db: TestDatabase;
let cached: CachedApp;
let token: string;

beforeAll(async () => {
  db = await createTestDatabase(4);
  await seedCacheFixture(db.pool);
  // Exact hit and miss counts below: no sampled comparisons (a verification's legacy run reads its own facts
  // namespace, counted in the totals).
  await db.pool.query(`update feature_flags set percentage = 0 where key = 'enable_shadow_testing'`);
  cached = await buildCachedApp(db.pool, { applicationName: 'kgdb-cache-routes' });
  const admin = await addUser(db.pool, 'admin');
  token = await loginAs(cached.app, admin.user.username, admin.password);
});
afterAll(async () => {
  await cached?.close();
  await db?.drop();
});

const admin = async (method: 'GET' | 'POST' | 'DELETE', url: string, payload?: object, status = 200) => {
  const res = await cached.app.inject({ method, url, headers: bearer(token), ...(payload && { payload }) });
  expect(res.statusCode, res.body).toBe(status);
  return res.json();
};
const keys = async (ns: string) =>
  (await admin('GET', `/api/admin/cache/keys/${ns}?page_size=1000`)).keys as string[];

describe('/api/admin/cache', () => {
  it('is admin only', async () => {
    expect((await cached.app.inject({ method: 'GET', url: '/api/admin/cache/stats' })).statusCode).toBe(401);
    const viewer = await addUser(db.pool, 'viewer');
    const viewerToken = await loginAs(cached.app, viewer.user.username, viewer.password);
    const res = await cached.app.inject({
      method: 'GET',
      url: '/api/admin/cache/stats',
      headers: bearer(viewerToken),
    });
    expect(res.statusCode).toBe(403);
  });

  it('warm really fills the first gene list pages, the list metadata and the statistics; requests then hit', async () => {
    const warmed = await admin('POST', '/api/admin/cache/warm', { sources: [] });
    expect(warmed).toMatchObject({ success: true, sources_warmed: ['genes', 'statistics'], keys_warmed: 7 });
    expect(warmed.entries_created).toBeGreaterThanOrEqual(6);
    expect(await keys('gene_list')).toHaveLength(3);
    expect(await keys('gene_list_facts')).toEqual(['all']);
    expect(await keys('statistics')).toHaveLength(3);

    const before = await admin('GET', '/api/admin/cache/stats');
    await getJson(cached.app, '/api/genes/?page[number]=2');
    await getJson(cached.app, '/api/genes/?sort=-evidence_score,approved_symbol&page[size]=20');
    await getJson(cached.app, '/api/statistics/summary');
    const after = await admin('GET', '/api/admin/cache/stats');
    expect(after.misses).toBe(before.misses);
    expect(after.hits).toBeGreaterThan(before.hits);
    expect(after.hit_rate).toBeGreaterThan(0);
    expect(after.live).toBe(true);
    expect(after.memory_entries).toBeGreaterThanOrEqual(7);
    expect(after.total_size_bytes).toBeGreaterThan(0);
  });

  it('stats of one namespace, keys paged, 404 for an unknown namespace naming the known ones', async () => {
    const one = await admin('GET', '/api/admin/cache/stats/gene_list');
    expect(one.namespace).toBe('gene_list');
    expect(one.namespaces.map((n: { namespace: string }) => n.namespace)).toEqual(['gene_list']);
    const page = await admin('GET', '/api/admin/cache/keys/gene_list?page=2&page_size=2');
    expect(page).toMatchObject({
      namespace: 'gene_list',
      total_keys: 3,
      page: 2,
      page_size: 2,
      has_more: false,
    });
    expect(page.keys).toHaveLength(1);
    const unknown = await admin('GET', '/api/admin/cache/keys/nope', undefined, 404);
    expect(unknown.error.detail).toBe(
      "Unknown cache namespace 'nope'. Known: gene_list, gene_list_facts, gene_detail, gene_evidence, legacy_gene_facts, statistics",
    );
    const badWarm = await admin('POST', '/api/admin/cache/warm', { sources: ['genes', 'everything'] }, 400);
    expect(badWarm.error.detail).toBe("Unknown warm source(s) 'everything'. Allowed: genes, statistics");
  });

  it('clear a key, a namespace, everything', async () => {
    await getJson(cached.app, `/api/genes/${SCORED[0]}`);
    await getJson(cached.app, `/api/genes/${SCORED[1]}`);
    expect(await keys('gene_detail')).toEqual([SCORED[0], SCORED[1]]);
    const one = await admin('DELETE', `/api/admin/cache/gene_detail/${SCORED[0]}`);
    expect(one).toMatchObject({ success: true, entries_cleared: 1, namespace: 'gene_detail' });
    expect(await keys('gene_detail')).toEqual([SCORED[1]]);

    const [listKey] = await keys('gene_list');
    const encoded = await admin(
      'DELETE',
      `/api/admin/cache/gene_list/${encodeURIComponent(listKey as string)}`,
    );
    expect(encoded.entries_cleared).toBe(1);

    const ns = await admin('DELETE', '/api/admin/cache/gene_list');
    expect(ns).toMatchObject({ success: true, entries_cleared: 2, namespace: 'gene_list' });
    expect(await keys('gene_list')).toEqual([]);
    expect(await keys('statistics')).toHaveLength(3);

    const all = await admin('POST', '/api/admin/cache/monitoring/clear-all');
    expect(all.success).toBe(true);
    for (const n of ['gene_list_facts', 'gene_detail', 'statistics']) expect(await keys(n)).toEqual([]);
    // The NOTIFY each clear sent comes back too (every instance applies it): harmless here.
    await waitFor('admin invalidations counted', async () => {
      const stats = await admin('GET', '/api/admin/cache/stats');
      return (stats.invalidations['admin:admin'] ?? 0) >= 12;
    });
  });

  it('health reports the listener, the layers and the warmers', async () => {
    expect(await admin('GET', '/api/admin/cache/health')).toMatchObject({
      status: 'healthy',
      cache_enabled: true,
      live: true,
      listener_connected: true,
      shared: null,
      warmers: ['genes', 'statistics'],
      issues: [],
    });
  });

  it('metrics: hits, misses, stale reads per namespace, invalidations per source, entries and bytes', async () => {
    await getJson(cached.app, `/api/genes/${SCORED[2]}`);
    await getJson(cached.app, `/api/genes/${SCORED[2]}`);
    await db.pool.query(`update genes set aliases = '{}' where approved_symbol = $1`, [SCORED[2]]);
    await waitFor(
      'the table invalidation',
      () => (cached.caching.cache.stats().invalidations['table:genes'] ?? 0) > 0,
    );
    // The cache registers its metrics in the process registry: GET /metrics serves them.
    const scrape = await cached.app.inject({ method: 'GET', url: '/metrics' });
    expect(scrape.statusCode).toBe(200);
    const text = scrape.body;
    expect(text).toMatch(/kgdb_cache_hits_total\{namespace="gene_detail",layer="memory"\} [1-9]/);
    expect(text).toMatch(/kgdb_cache_misses_total\{namespace="gene_detail"\} [1-9]/);
    expect(text).toContain('# TYPE kgdb_cache_stale_reads_total counter');
    expect(text).toMatch(/kgdb_cache_invalidations_total\{kind="table",source="genes"\} [1-9]/);
    expect(text).toMatch(/kgdb_cache_entries\{namespace="gene_detail"\} \d/);
    expect(text).toMatch(/kgdb_cache_size_bytes\{namespace="gene_detail"\} \d/);
    expect(text).toContain('kgdb_cache_live 1');
    expect(cached.caching.cache.hitRate()).toBeGreaterThan(0);
  });
});
