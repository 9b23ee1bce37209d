import type { FastifyInstance } from 'fastify';
import type { Caching } from '../../src/app/caching.js';
import type { Composition } from '../../src/app/compose.js';
import type { Cache } from '../../src/cache/cache-types.js';
import type { Pool } from '../../src/db/pool.js';
import { composeTestApp } from '../helpers/app.js';
import { type GeneFixture, insertGenes, refreshMaterializedViews } from '../helpers/views.js';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits for `check`; the deadline is generous because a busy 2-core machine can take seconds. */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 30_000) {
  const t0 = Date.now();
  while (!(await check())) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** How often `cache` has dropped a namespace for `source` ('table:genes', 'matview:gene_scores', …). */
export const invalidationsBy = (cache: Cache, source: string): number =>
  cache.stats().invalidations[source] ?? 0;

/**
 * Runs `write` and waits until every cache has received the invalidation it causes (`source`, e.g.
 * 'table:genes'). Reads after this must show the write: that is the property; how long delivery takes is
 * bench/propagation-bench.ts's business, not a test's.
 */
export async function writeAndAwaitInvalidation(
  caches: readonly Cache[],
  source: string,
  write: () => Promise<unknown>,
): Promise<void> {
  const before = caches.map((c) => invalidationsBy(c, source));
  await write();
  await waitFor(`the ${source} invalidation`, () =>
    caches.every((c, i) => invalidationsBy(c, source) > (before[i] ?? 0)),
  );
}

/** 8 scored genes (two sources each, different strengths) and 8 without evidence (no gene_scores row). */
export const SCORED = Array.from({ length: 8 }, (_, i) => `SC${i + 1}`);
export const UNSCORED = Array.from({ length: 8 }, (_, i) => `UN${i + 1}`);

export function cacheFixture(): GeneFixture[] {
  const scored = SCORED.map((symbol, i) => ({
    symbol,
    hgncId: `HGNC:${1000 + i}`,
    evidence: {
      ClinGen: { classifications: [['Definitive', 'Strong', 'Moderate', 'Limited'][i % 4]] },
      Literature: { publications: Array.from({ length: i + 1 }, (_, p) => String(p + 1)) },
    },
  }));
  const unscored = UNSCORED.map((symbol, i) => ({ symbol, hgncId: `HGNC:${2000 + i}` }));
  return [...scored, ...unscored];
}

/** Inserts the fixture and refreshes the matviews; returns symbol → id. */
export async function seedCacheFixture(pool: Pool): Promise<Map<string, number>> {
  const ids = await insertGenes(pool, cacheFixture());
  await refreshMaterializedViews(pool);
  return ids;
}

export interface CachedApp {
  app: FastifyInstance;
  /** The composition's cache and its invalidation listener. */
  caching: Pick<Caching, 'cache' | 'invalidator'>;
  composition: Composition;
  close(): Promise<void>;
}

export interface CachedAppOptions {
  redisUrl?: string;
  /** The cache listener's application_name, so a test can find (and terminate) its backend. */
  applicationName?: string;
}

/**
 * The production graph (composeTestApp) on `pool`: genes through the rollout switch (views at 100 % on a
 * test database, so its cache serves them), statistics through the cache, the started invalidation listener.
 */
export async function buildCachedApp(pool: Pool, options: CachedAppOptions = {}): Promise<CachedApp> {
  const composition = await composeTestApp(pool, {
    redisUrl: options.redisUrl,
    swaps: {
      cache: {
        // A terminated listener is back within a fraction of a second instead of the production backoff.
        listenerBackoff: { initialMs: 20, maxMs: 200 },
        applicationName: options.applicationName ?? 'kgdb-cache-test',
      },
    },
  });
  return {
    app: composition.app,
    caching: composition.caching,
    composition,
    close: () => composition.app.close(),
  };
}

/** GET through inject; throws on anything but the expected status. */
export async function getJson(app: FastifyInstance, url: string, status = 200) {
  const res = await app.inject({ method: 'GET', url });
  if (res.statusCode !== status) throw new Error(`GET ${url}: ${res.statusCode} ${res.body}`);
  return res.json();
}
