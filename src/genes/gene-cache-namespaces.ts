import type { NamespaceConfig } from '../cache/cache-types.js';
import type { NamespaceReads } from '../cache/invalidation-map.js';

export type GeneCacheNamespace = NamespaceConfig & NamespaceReads;

const MINUTE = 60_000;

/**
 * What the gene views path (and, for its list facts only, the legacy arm) caches and the relations each namespace's SQL reads directly (FROM/JOIN of the view
 * gene repositories). The cache derives from this and the view registry which base-table
 * change and which matview refresh clears what; no table → namespace map is written anywhere. Keep `reads`
 * in step with the repository SQL: a relation missing here is a change that does not clear the cache.
 * TTLs are only a backstop (invalidation comes from the database).
 */
export const GENE_CACHE_NAMESPACES = [
  // Page: gene_list_detailed; total: the list facts (gene_list_stats, _ranges, _facets) or a count over
  // gene_list_detailed (src/genes/views/gene-list-total.ts).
  {
    name: 'gene_list',
    ttlMs: 10 * MINUTE,
    reads: ['gene_list_detailed', 'gene_list_stats', 'gene_list_ranges', 'gene_list_facets'],
  },
  // The list's filter metadata (meta.filters, evidence_tiers, totals): the one-row matview gene_list_stats.
  { name: 'gene_list_facts', ttlMs: 10 * MINUTE, reads: ['gene_list_stats'] },
  // Symbol → id on genes, then the row from gene_list_detailed and source_scores from gene_scores.
  { name: 'gene_detail', ttlMs: 10 * MINUTE, reads: ['genes', 'gene_list_detailed', 'gene_scores'] },
  // Symbol → id on genes, then gene_evidence rows with scores from gene_scores.
  { name: 'gene_evidence', ttlMs: 10 * MINUTE, reads: ['genes', 'gene_evidence', 'gene_scores'] },
  // The legacy arm's list facts (upstream cached them 300 s): genes, gene_evidence and gene_scores.
  { name: 'legacy_gene_facts', ttlMs: 5 * MINUTE, reads: ['genes', 'gene_evidence', 'gene_scores'] },
] as const satisfies readonly GeneCacheNamespace[];
