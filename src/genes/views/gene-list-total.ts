import type { GeneListFilters } from '../gene-repository.js';

/**
 * The filtered total of a gene list request, answered from the list's precomputed facts where one filter (or one
 * range) decides it, instead of counting the matching genes (an index scan over up to every gene):
 * - no filter: gene_list_stats' totals;
 * - a score range, or a count range: two probes of gene_list_ranges' distributions (#(x ≤ hi) − #(x < lo));
 * - one tier set, group or source: gene_list_facets.
 * Every answer is exact: the facts are refreshed with gene_scores, which the page reads. Anything else (two
 * kinds of filter, a search, ids) returns undefined and the caller counts. Pure; values are bound through
 * `bind`, the relation and column names come from this file. `st` is gene_list_stats in the caller's FROM.
 */

type Bind = (value: unknown, cast: string) => string;

interface Bound {
  value: number;
  inclusive: boolean;
}

type FilterKey = Exclude<keyof GeneListFilters, 'hideZeroScores'>;

function activeFilters(filters: GeneListFilters): Set<FilterKey> {
  const keys = Object.keys(filters) as (keyof GeneListFilters)[];
  return new Set(
    keys.filter((key): key is FilterKey => key !== 'hideZeroScores' && filters[key] !== undefined),
  );
}

const only = (active: Set<FilterKey>, allowed: readonly FilterKey[]) =>
  active.size > 0 && [...active].every((key) => allowed.includes(key));

/** Genes of `dimension` with lower ≤/< x ≤ upper, from two index probes of gene_list_ranges. */
function rangeTotal(dimension: string, lower: Bound | undefined, upper: number | undefined, bind: Bind) {
  const d = bind(dimension, 'text');
  const probe = (condition: string, column: 'upto' | 'below', order: 'asc' | 'desc') =>
    `(select r.${column} from gene_list_ranges r where r.dimension = ${d}${condition} order by r.value ${order} limit 1)`;
  const all = `coalesce(${probe('', 'upto', 'desc')}, 0)`;
  const upTo = (v: string) => `coalesce(${probe(` and r.value <= ${v}`, 'upto', 'desc')}, 0)`;
  const below = (v: string) => `coalesce(${probe(` and r.value >= ${v}`, 'below', 'asc')}, ${all})`;
  const high = upper === undefined ? all : upTo(bind(upper, 'float8'));
  let low = '0';
  if (lower) {
    const v = bind(lower.value, 'float8');
    low = lower.inclusive ? below(v) : upTo(v);
  }
  return `greatest(${high} - ${low}, 0)`;
}

function facetTotal(facet: string, names: readonly string[], hideZeroScores: boolean, bind: Bind) {
  const column = hideZeroScores ? 'nonzero_genes' : 'genes';
  return `(select coalesce(sum(f.${column}), 0) from gene_list_facets f
            where f.facet = ${bind(facet, 'text')} and f.name = any(${bind(names, 'text[]')}))`;
}

/** SQL for the exact total, or undefined when no precomputed fact decides it. */
export function precomputedTotal(filters: GeneListFilters, bind: Bind): string | undefined {
  const active = activeFilters(filters);
  const hide = filters.hideZeroScores;
  if (active.size === 0) return hide ? 'st.nonzero_score_genes' : 'st.total_genes';
  if (only(active, ['minScore', 'maxScore'])) {
    // Hiding zero scores is the lower bound "> 0" unless the requested lower bound is already above 0.
    let lower: Bound | undefined =
      filters.minScore === undefined ? undefined : { value: filters.minScore, inclusive: true };
    if (hide && (lower === undefined || lower.value <= 0)) lower = { value: 0, inclusive: false };
    return rangeTotal('score', lower, filters.maxScore, bind);
  }
  if (only(active, ['minCount', 'maxCount'])) {
    const lower = filters.minCount === undefined ? undefined : { value: filters.minCount, inclusive: true };
    return rangeTotal(hide ? 'count_nonzero' : 'count', lower, filters.maxCount, bind);
  }
  if (only(active, ['tiers']) && filters.tiers) return facetTotal('tier', filters.tiers, hide, bind);
  if (only(active, ['group']) && filters.group) return facetTotal('group', [filters.group], hide, bind);
  if (only(active, ['source']) && filters.source) return facetTotal('source', [filters.source], hide, bind);
  return undefined;
}
