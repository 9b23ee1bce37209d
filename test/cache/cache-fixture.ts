import type { FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import type { Cache } from '../../src/cache/cache-types.js';
import type { Pool } from '../../src/db/pool.js';
import { createGeneCaching, type GeneCaching } from '../../src/genes/cache/gene-caching.js';
import type { GeneRepository } from '../../src/genes/gene-repository.js';
import { createViewGeneRepository } from '../../src/genes/views/view-gene-repository.js';
import { buildApp } from '../../src/http/app.js';
import { createLogger } from '../../src/logger.js';
import {
  createStatisticsRepository,
  type StatisticsRepository,
} from '../../src/statistics/statistics-repository.js';
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
  caching: GeneCaching;
  close(): Promise<void>;
}

export interface CachedAppOptions {
  redisUrl?: string;
  applicationName?: string;
  /** Wraps the uncached views repositories (e.g. to count calls). */
  genes?: GeneRepository;
  statistics?: StatisticsRepository;
  metrics?: Registry;
}

/** An app serving genes and statistics through a started cache, as the serve command wires it. */
export async function buildCachedApp(pool: Pool, options: CachedAppOptions = {}): Promise<CachedApp> {
  const caching = createGeneCaching({
    db: pool,
    connection: pool.options,
    genes: options.genes ?? createViewGeneRepository(pool),
    statistics: options.statistics ?? createStatisticsRepository(pool),
    redisUrl: options.redisUrl,
    listenerBackoff: { initialMs: 20, maxMs: 200 },
    applicationName: options.applicationName ?? 'kgdb-cache-test',
    metrics: options.metrics,
  });
  await caching.start();
  const app = await buildApp({
    logger: createLogger('silent'),
    pool,
    genes: caching.genes,
    statistics: caching.statistics,
    cache: caching.routes,
  });
  return {
    app,
    caching,
    close: async () => {
      await app.close();
      await caching.close();
    },
  };
}

/** GET through inject; throws on anything but the expected status. */
export async function getJson(app: FastifyInstance, url: string, status = 200) {
  const res = await app.inject({ method: 'GET', url });
  if (res.statusCode !== status) throw new Error(`GET ${url}: ${res.statusCode} ${res.body}`);
  return res.json();
}
