import type { CacheWarmer } from '../cache/cache-types.js';
import { toGeneListQuery } from './gene-list-query.js';
import type { GeneRepository } from './gene-repository.js';

/** The default gene list's first pages: what a front end asks for first. */
const WARM_LIST_PAGES = [1, 2, 3] as const;

/**
 * Warmers for POST /api/admin/cache/warm. They call the *cached* repository, so each entry is loaded the way
 * a request would load it (and stored only if the cache is live).
 */
export function geneCacheWarmers(genes: GeneRepository): CacheWarmer[] {
  return [
    {
      name: 'genes',
      namespaces: ['gene_list', 'gene_list_facts'],
      async warm() {
        for (const page of WARM_LIST_PAGES) await genes.list(toGeneListQuery({ 'page[number]': page }));
        return WARM_LIST_PAGES.length + 1;
      },
    },
  ];
}
