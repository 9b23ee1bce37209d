import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GeneRepository } from '../../src/genes/gene-repository.js';
import { createViewGeneRepository } from '../../src/genes/views/view-gene-repository.js';
import { applyViews } from '../../src/views/apply.js';
import { VIEWS } from '../../src/views/defs/index.js';
import { createRefresher } from '../../src/views/refresher.js';
import type { ViewDef } from '../../src/views/view-def.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
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
import { type Lane, runLane } from './read-after-write.js';

// Invalidation comes from the database (triggers → NOTIFY → the view graph → namespaces; docs/data-model.md,
// "Refresh and change notification").

let db: TestDatabase;
let ids: Map<string, number>;
let cached: CachedApp;
/** The same graph with every namespace bypassed: the routes' answers straight from PostgreSQL. */
let plain: CachedApp;

beforeAll(async () => {
  db = await createTestDatabase(8);
  ids = await seedCacheFixture(db.pool);
  cached = await buildCachedApp(db.pool);
  plain = await buildCachedApp(db.pool, { applicationName: 'kgdb-cache-plain' });
  // What the invalidator does for a table without its change trigger: serve the namespace from its loader.
  for (const ns of plain.caching.cache.namespaces) plain.caching.cache.bypass(ns.name, true);
});
afterAll(async () => {
  await cached?.close();
  await plain?.close();
  await db?.drop();
});

describe('read-after-write through the cache', () => {
  // NOTIFY is per database: lanes on separate databases run at once without one lane's notifications
  // clearing another lane's cache (which could hide a missed invalidation).
  const LANES = 10;
  const ITERATIONS = 10_000;
  const lanes: Lane[] = [];
  beforeAll(async () => {
    for (let i = 0; i < LANES; i++) {
      const laneDb = await createTestDatabase(3);
      lanes.push({
        db: laneDb,
        ids: await seedCacheFixture(laneDb.pool),
        cached: await buildCachedApp(laneDb.pool, { applicationName: `kgdb-cache-lane-${i}` }),
      });
    }
  });
  afterAll(async () => {
    for (const lane of lanes) {
      await lane.cached.close();
      await lane.db.drop();
    }
  });

  it(`docs: ${ITERATIONS} randomized writes through plain SQL, each read back once its invalidation arrived: 0 stale reads`, async () => {
    const started = performance.now();
    const results = await Promise.all(
      lanes.map((lane, i) => runLane(lane, 20240607 + i, ITERATIONS / LANES)),
    );
    const stale = results.flatMap((r) => r.stale);
    const primed = results.reduce((s, r) => s + r.primed, 0);
    const primedLoads = results.reduce((s, r) => s + r.primedLoads, 0);
    console.info(
      `read-after-write: ${ITERATIONS} iterations in ${((performance.now() - started) / 1000).toFixed(1)} s, ` +
        `${stale.length} stale, ${primed - primedLoads}/${primed} primed reads served from the cache`,
    );
    expect(stale.slice(0, 10)).toEqual([]);
    expect(stale.length).toBe(0);
    // The writes really had cached entries to clear: the test exercised invalidation, not a cold cache.
    expect(primedLoads).toBeLessThan(primed * 0.05);
  }, 900_000);
});

describe('refresh', () => {
  it('24 writes that change scores, read back after the refresh and the bound: 0 stale reads', async () => {
    const refresher = createRefresher({ pool: db.pool, views: VIEWS, listen: false });
    const uncached: GeneRepository = createViewGeneRepository(db.pool);
    const stale: string[] = [];
    let changed = 0;
    for (let i = 0; i < 24; i++) {
      const symbol = SCORED[i % SCORED.length] as string;
      const urls = [
        `/api/genes/${symbol}`,
        '/api/genes/?page[size]=100',
        `/api/genes/${symbol}/evidence`,
        '/api/statistics/summary',
      ];
      for (const url of urls) await getJson(cached.app, url);
      const before = (await getJson(cached.app, urls[0] as string)).data.attributes.evidence_score;
      // Literature publication count i+2 .. and a rotating ClinGen classification: both move the score.
      await db.pool.query(
        `update gene_evidence set evidence_data = case source_name
            when 'Literature' then jsonb_build_object('publications', (select jsonb_agg(n::text) from generate_series(1, $2::int) n))
            else jsonb_build_object('classifications', jsonb_build_array($3::text)) end
          where gene_id = $1`,
        [
          ids.get(symbol),
          1 + ((i * 7) % 13),
          ['Definitive', 'Limited', 'Strong', 'Disputed', 'Moderate'][i % 5],
        ],
      );
      await writeAndAwaitInvalidation([cached.caching.cache], 'matview:gene_scores', async () => {
        const results = await refresher.refresh();
        expect(results.every((r) => r.outcome === 'refreshed')).toBe(true);
      });

      const detail = (await getJson(cached.app, urls[0] as string)).data.attributes;
      const truth = await uncached.findBySymbol(symbol);
      if (detail.evidence_score !== truth?.evidence_score)
        stale.push(`${symbol} detail: ${detail.evidence_score} ≠ ${truth?.evidence_score}`);
      if (detail.evidence_score !== before) changed += 1;
      const list = await getJson(cached.app, urls[1] as string);
      const truthList = await getJson(plain.app, urls[1] as string);
      if (JSON.stringify(list.data) !== JSON.stringify(truthList.data))
        stale.push(`list after writing ${symbol}`);
      if (JSON.stringify(list.meta) !== JSON.stringify(truthList.meta))
        stale.push(`list meta after writing ${symbol}`);
      const evidence = await getJson(cached.app, urls[2] as string);
      if (JSON.stringify(evidence) !== JSON.stringify(await getJson(plain.app, urls[2] as string)))
        stale.push(`${symbol} evidence`);
      const summary = await getJson(cached.app, urls[3] as string);
      if (JSON.stringify(summary.data) !== JSON.stringify((await getJson(plain.app, urls[3] as string)).data))
        stale.push('statistics summary');
    }
    expect(stale).toEqual([]);
    expect(changed).toBeGreaterThanOrEqual(20);
  }, 300_000);
});

describe('single flight', () => {
  it('100 concurrent requests for a cold key run the query once', async () => {
    // A fresh composition: a cold cache. Its loader is the uncached views query, so a miss is one query run
    // (the sampled comparisons call the views repository directly, never through the cache).
    const own = await buildCachedApp(db.pool, { applicationName: 'kgdb-cache-test-sf' });
    const counts = (namespace: string) => {
      const ns = own.caching.cache.stats().namespaces.find((n) => n.namespace === namespace);
      if (!ns) throw new Error(`no namespace ${namespace}`);
      return { loads: ns.misses + ns.bypassed, hits: ns.hits.memory + ns.hits.shared + ns.hits.inflight };
    };
    try {
      for (const [url, namespace] of [
        ['/api/genes/SC3', 'gene_detail'],
        ['/api/genes/?page[number]=2&page[size]=3', 'gene_list'],
        ['/api/genes/sc3/evidence', 'gene_evidence'],
      ] as const) {
        const responses = await Promise.all(
          Array.from({ length: 100 }, () => own.app.inject({ method: 'GET', url })),
        );
        expect(responses.map((r) => r.statusCode)).toEqual(Array(100).fill(200));
        expect(new Set(responses.map((r) => r.body)).size).toBe(1);
        expect(counts(namespace), url).toEqual({ loads: 1, hits: 99 });
      }
      // The list's one statement brought the facts too: the other 99 read them from memory.
      expect(counts('gene_list_facts').loads).toBe(0);
    } finally {
      await own.close();
    }
  });
});

describe('listener reconnect', () => {
  it('terminating the listener backend flushes everything; writes made meanwhile are seen', async () => {
    const { cache } = cached.caching;
    const url = `/api/genes/${UNSCORED[0]}`;
    const before = (await getJson(cached.app, url)).data.attributes.aliases;
    await getJson(cached.app, '/api/genes/');
    await getJson(cached.app, '/api/statistics/summary');
    expect((await cache.keys('gene_detail')).memory.length).toBeGreaterThan(0);
    const flushes = () => cache.stats().invalidations['flush:reconnect'] ?? 0;
    const seen = flushes();

    // Kill the listener and write while nobody listens: that notification is lost for good.
    await db.pool.query(
      `select pg_terminate_backend(pid) from pg_stat_activity
        where datname = current_database() and application_name = 'kgdb-cache-test'`,
    );
    // The cache learns of the loss when the socket closes; until then nothing can tell it (the window is the
    // kernel's, not ours), so the write waits for that event — or for the reconnect flush, if that came first.
    await waitFor('the cache to notice the lost listener', () => !cache.live || flushes() > seen);
    await db.pool.query('update genes set aliases = array[$1::text] where id = $2', [
      'while-down',
      ids.get(UNSCORED[0] as string),
    ]);
    // While down, reads go to PostgreSQL (never a stale entry); once back, everything was flushed.
    expect((await getJson(cached.app, url)).data.attributes.aliases).toEqual(['while-down']);
    await waitFor('the reconnect flush', () => flushes() > seen);
    expect(cache.live).toBe(true);
    for (const ns of cache.namespaces) expect((await cache.keys(ns.name)).memory).toEqual([]);
    expect((await getJson(cached.app, url)).data.attributes.aliases).toEqual(['while-down']);
    expect(before).not.toEqual(['while-down']);
  });
});

describe('views apply', () => {
  it('an apply that executes DDL flushes every namespace; an unchanged apply flushes nothing', async () => {
    const { cache } = cached.caching;
    await getJson(cached.app, '/api/genes/');
    const flushes = () => cache.stats().invalidations['flush:views_applied'] ?? 0;
    const seen = flushes();

    const unchanged = await applyViews(db.pool, VIEWS);
    expect(unchanged.ddl).toEqual([]);

    const extra: ViewDef = {
      name: 'kgdb_test_extra',
      kind: 'view',
      sql: 'select 1::int as one',
      dependsOn: [],
    };
    const changed = await applyViews(db.pool, [...VIEWS, extra]);
    expect(changed.created).toContain('kgdb_test_extra');
    await waitFor('the apply flush', () => flushes() > seen);
    // Notifications arrive in commit order: had the unchanged apply sent one, it would have come first and
    // flushed every namespace once more.
    expect(flushes()).toBe(seen + cache.namespaces.length);
    expect((await cache.keys('gene_list')).memory).toEqual([]);
  });
});
