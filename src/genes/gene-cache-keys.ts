import { cacheKey, keySet } from '../cache/cache-key.js';
import type { GeneListQuery } from './gene-repository.js';

/**
 * The key of a validated gene list request. toGeneListQuery() has already filled the defaults (page 1, size
 * 20, hide_zero_scores true, the default sort) and mapped sort aliases (`symbol` → approved_symbol), so two
 * URLs that mean the same request — parameters in another order, defaults spelled out or not — give one key.
 * Sort terms keep their order: it is part of the answer. Pure.
 */
export function geneListKey(query: GeneListQuery): string {
  const { filters } = query;
  return cacheKey({
    page: query.page,
    size: query.size,
    // Copied only when there is a set to normalize: a key is built on every list request, hits included.
    filters:
      filters.tiers === undefined && filters.ids === undefined
        ? filters
        : { ...filters, tiers: keySet(filters.tiers), ids: keySet(filters.ids) },
    sort: query.sort.map((t) => `${t.descending ? '-' : ''}${t.field}`),
  });
}

/**
 * Symbols are matched with upper() on both sides; only ASCII letters are folded here, so the key never merges
 * two symbols PostgreSQL would tell apart (JavaScript upper-cases 'ß' to 'SS', PostgreSQL does not). Pure.
 */
export function symbolKey(symbol: string): string {
  return cacheKey(symbol.replace(/[a-z]/g, (c) => c.toUpperCase()));
}
