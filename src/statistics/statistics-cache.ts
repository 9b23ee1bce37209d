import { cacheKey, keySet } from '../cache/cache-key.js';
import type { Cache, CacheWarmer, NamespaceConfig } from '../cache/cache-types.js';
import type { NamespaceReads } from '../cache/invalidation-map.js';
import type { OverlapQuery, StatisticsFilter, StatisticsRepository } from './statistics-repository.js';

/**
 * The statistics namespace and the relations its SQL reads directly: combinations, facts and composition from
 * gene_scores (+ counts over gene_evidence), pairs from source_overlap_statistics, distributions from
 * source_distribution_items. The cache derives from `reads` and the view registry which base-table change and
 * which matview refresh clears it.
 */
export const STATISTICS_CACHE_NAMESPACES = [
  {
    name: 'statistics',
    ttlMs: 10 * 60_000,
    reads: ['gene_scores', 'gene_evidence', 'source_overlap_statistics', 'source_distribution_items'],
  },
] as const satisfies readonly (NamespaceConfig & NamespaceReads)[];

export function overlapKey(query: OverlapQuery): string {
  return cacheKey({
    kind: 'combinations',
    detail: query.detail,
    hideZeroScores: query.hideZeroScores,
    sources: keySet(query.sources),
    tiers: keySet(query.tiers),
  });
}

/** The key of a filtered statistic (`kind`: composition, distributions); tiers as a set. */
function filterKey(kind: string, filter: StatisticsFilter): string {
  return cacheKey({ kind, hideZeroScores: filter.hideZeroScores, tiers: keySet(filter.tiers) });
}

/** StatisticsRepository through the cache (namespace `statistics`). Values are shared: do not mutate. */
export function createCachedStatisticsRepository(
  inner: StatisticsRepository,
  cache: Cache,
): StatisticsRepository {
  return {
    combinations: (query) => cache.get('statistics', overlapKey(query), () => inner.combinations(query)),
    geneFacts: () => cache.get('statistics', 'gene_facts', () => inner.geneFacts()),
    pairOverlaps: () => cache.get('statistics', 'pair_overlaps', () => inner.pairOverlaps()),
    composition: (filter) =>
      cache.get('statistics', filterKey('composition', filter), () => inner.composition(filter)),
    distributions: (filter) =>
      cache.get('statistics', filterKey('distributions', filter), () => inner.distributions(filter)),
  };
}

/** GET /api/statistics/summary's loads (its combinations are also source-overlaps' default request). */
export function statisticsCacheWarmer(cached: StatisticsRepository): CacheWarmer {
  return {
    name: 'statistics',
    namespaces: ['statistics'],
    async warm() {
      await Promise.all([
        cached.combinations({ hideZeroScores: true, detail: false }),
        cached.geneFacts(),
        cached.pairOverlaps(),
      ]);
      return 3;
    },
  };
}
