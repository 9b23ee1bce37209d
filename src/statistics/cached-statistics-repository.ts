import type { Cache } from '../cache/cache-types.js';
import { overlapKey } from '../genes/cache/gene-cache-keys.js';
import type { StatisticsRepository } from './statistics-repository.js';

/** StatisticsRepository through the cache (namespace `statistics`). Values are shared: do not mutate. */
export function createCachedStatisticsRepository(
  inner: StatisticsRepository,
  cache: Cache,
): StatisticsRepository {
  return {
    combinations: (query) => cache.get('statistics', overlapKey(query), () => inner.combinations(query)),
    geneFacts: () => cache.get('statistics', 'gene_facts', () => inner.geneFacts()),
    pairOverlaps: () => cache.get('statistics', 'pair_overlaps', () => inner.pairOverlaps()),
  };
}
