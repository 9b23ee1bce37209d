import {
  EVIDENCE_GROUPS,
  EVIDENCE_TIERS,
  type GeneListFilters,
  type GeneListQuery,
  type SortField,
  type SortTerm,
} from '../gene-repository.js';

/**
 * The gene list's WHERE, ORDER BY and column list, compiled against the column names of gene_list_detailed.
 * The views arm runs them on that view; the legacy arm has SQL of its own (docs/legacy-arm.md), so a defect
 * here shows up as a mismatch. Pure: values go into `values` as bound parameters, identifiers come only from
 * the maps below.
 */

/** Sort field → column. Tier and group sort by rank (comprehensive / well_supported first; others 999). */
const SORT_COLUMNS = {
  id: 'gene_id',
  approved_symbol: 'gene_symbol',
  hgnc_id: 'hgnc_id',
  evidence_score: 'evidence_score',
  evidence_count: 'evidence_count',
  created_at: 'created_at',
  updated_at: 'updated_at',
  evidence_tier: 'tier_order',
  evidence_group: 'group_order',
} as const satisfies Record<SortField, string>;

/** Every column the filters, the sorts and GENE_LIST_COLUMNS read (no annotation subqueries). */
export const LIST_SOURCE_COLUMNS = `gene_id, hgnc_id, gene_symbol, alias_symbols, created_at, updated_at, evidence_count,
       evidence_score, evidence_tier, evidence_group, sources, tier_order, group_order`;

/** The page's columns, cast so pg hands back numbers and strings (ids as text, counts as int). */
export const GENE_LIST_COLUMNS = `gene_id::text as id,
       hgnc_id,
       gene_symbol as approved_symbol,
       alias_symbols as aliases,
       created_at,
       updated_at,
       evidence_count::int as evidence_count,
       evidence_score,
       evidence_tier,
       evidence_group,
       sources`;

/** LIKE pattern for a literal substring: `\`, `%` and `_` escaped with the default escape character `\`. */
export function containsPattern(term: string): string {
  return `%${term.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** Every value gene_scores can hold in evidence_tier / evidence_group (docs/scoring.md). */
const TIER_VALUES: readonly string[] = [...EVIDENCE_TIERS, 'no_evidence'];
const GROUP_VALUES: readonly string[] = [...EVIDENCE_GROUPS, 'insufficient'];

/**
 * filter[search]: case-insensitive literal substring of symbol, HGNC id, tier or group. Tier and group come
 * from closed sets of ASCII names, so for an ASCII term the matching names are worked out here and the SQL
 * compares with `= any(…)` instead of two more ILIKEs per row (half the per-row work of a search). A term with
 * other characters keeps the ILIKEs, so the database's own case folding decides, exactly as before.
 */
function searchCondition(term: string, bind: (value: unknown, cast: string) => string): string {
  const p = bind(containsPattern(term), 'text');
  const parts = [`gene_symbol ilike ${p}`, `hgnc_id ilike ${p}`];
  if (/^[\x20-\x7e]*$/.test(term)) {
    const needle = term.toLowerCase();
    const tiers = TIER_VALUES.filter((name) => name.includes(needle));
    const groups = GROUP_VALUES.filter((name) => name.includes(needle));
    if (tiers.length > 0) parts.push(`evidence_tier = any(${bind(tiers, 'text[]')})`);
    if (groups.length > 0) parts.push(`evidence_group = any(${bind(groups, 'text[]')})`);
  } else {
    parts.push(`evidence_tier ilike ${p}`, `evidence_group ilike ${p}`);
  }
  return `(${parts.join(' or ')})`;
}

/** Appends `value` to `values` and returns its placeholder with a cast (`$3::float8`). */
export function binder(values: unknown[]): (value: unknown, cast: string) => string {
  return (value, cast) => {
    values.push(value);
    return `$${values.length}::${cast}`;
  };
}

/** Beyond any count a gene can have (it is a number of sources) and inside bigint. */
const COUNT_CEILING = 2 ** 53;
const wholeCount = (n: number) => Math.min(n, COUNT_CEILING);

/** The filters as one boolean expression (`true` when none), values appended to `values`. */
export function whereClause(filters: GeneListFilters, values: unknown[]): string {
  const bind = binder(values);
  const conditions: string[] = [];
  if (filters.search !== undefined) conditions.push(searchCondition(filters.search, bind));
  if (filters.minScore !== undefined)
    conditions.push(`evidence_score >= ${bind(filters.minScore, 'float8')}`);
  if (filters.maxScore !== undefined)
    conditions.push(`evidence_score <= ${bind(filters.maxScore, 'float8')}`);
  // evidence_count is a whole number, so `>= 2.5` is `>= 3` and `<= 2.5` is `<= 2`: compared as bigint, the
  // count indexes apply (a float8 comparison casts the column and no index is on the cast).
  if (filters.minCount !== undefined)
    conditions.push(`evidence_count >= ${bind(wholeCount(Math.ceil(filters.minCount)), 'bigint')}`);
  if (filters.maxCount !== undefined)
    conditions.push(`evidence_count <= ${bind(wholeCount(Math.floor(filters.maxCount)), 'bigint')}`);
  if (filters.source !== undefined) conditions.push(`${bind(filters.source, 'text')} = any(sources)`);
  // `> 0` rather than `is distinct from 0`: it also drops genes without a score (NULL), as upstream.
  if (filters.hideZeroScores) conditions.push('evidence_score > 0');
  // One tier is an equality, so the tier index returns its genes already in the default order; `= any` over a
  // list merges several runs of that index and sorts them.
  const [onlyTier, ...moreTiers] = filters.tiers ?? [];
  if (onlyTier !== undefined && moreTiers.length === 0) {
    conditions.push(`evidence_tier = ${bind(onlyTier, 'text')}`);
  } else if (filters.tiers !== undefined) {
    conditions.push(`evidence_tier = any(${bind(filters.tiers, 'text[]')})`);
  }
  if (filters.group !== undefined) conditions.push(`evidence_group = ${bind(filters.group, 'text')}`);
  if (filters.ids !== undefined) conditions.push(`gene_id = any(${bind(filters.ids, 'bigint[]')})`);
  return conditions.length === 0 ? 'true' : conditions.join('\n   and ');
}

/**
 * DESC NULLS LAST / ASC NULLS FIRST per term, then gene_id as the tie-breaker unless a term already sorts on
 * it. The NULLS placement is spelled out everywhere (also on NOT NULL columns) because gene_scores' indexes
 * declare it, and the planner follows an index for ORDER BY only when direction and NULLS placement match.
 */
export function orderByClause(sort: readonly SortTerm[], qualifier = ''): string {
  const terms = sort.map(
    (t) => `${qualifier}${SORT_COLUMNS[t.field]} ${t.descending ? 'desc nulls last' : 'asc nulls first'}`,
  );
  if (!sort.some((t) => t.field === 'id')) terms.push(`${qualifier}gene_id asc nulls first`);
  return terms.join(', ');
}

/**
 * The page as a subquery for a LATERAL join under a one-row facts relation: it keeps its own ORDER BY …
 * LIMIT (so an index in sort order, or a top-N sort), and `ord` numbers its rows as they come out so the outer
 * query can `order by p.ord`. LIMIT and OFFSET are appended to `values`.
 */
export function numberedPage(
  relation: string,
  where: string,
  query: GeneListQuery,
  values: unknown[],
): string {
  values.push(query.size, (query.page - 1) * query.size);
  // ORDER BY names the relation's columns: unqualified, `evidence_count` would be the page's int cast of it,
  // which no index is on.
  return `select page.*, row_number() over () as ord
      from (select ${GENE_LIST_COLUMNS}
              from ${relation} l
             where ${where}
             order by ${orderByClause(query.sort, 'l.')}
             limit $${values.length - 1}::bigint offset $${values.length}::bigint) page`;
}

/**
 * One statement for facts and page: the facts row (with `first_ord` = 1) rides on page row 1, so the wide
 * facts columns (source list, tier counts) come back once, not on every row; with an empty page the facts
 * row comes alone. `facts` must select `first_ord`; `page` is a numberedPage().
 */
export function factsWithPage(facts: string, page: string): string {
  return `select f.*, p.*
  from (${facts}) f
  full join (${page}) p on p.ord = f.first_ord
 order by p.ord nulls first`;
}
