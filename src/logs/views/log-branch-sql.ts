import { containsPattern } from '../like-pattern.js';
import type { LogQuery } from '../log-repository.js';
import { LOGGER_KEY, type LogSortField, SORTS, type SortKeyColumn } from '../log-sort.js';
import { type LogRelation, Params, type SqlQuery, whereSql } from './log-sql-base.js';

/*
 * How a first page stays a few index ranges on the partitioned system_logs (0011_partitioned-system-logs.sql).
 *
 * Every admin index starts with level, then the logger or the sort field:
 *   level_idx    (level, logger', timestamp)             sorts level and source; timestamp under a filter
 *   path_idx     (level, logger', path, timestamp)       sort path
 *   method_idx   (level, method', logger', timestamp)    sort method
 *   status_idx   (level, status', logger', timestamp)    sort status_code
 *   duration_idx (level, duration', logger', timestamp)  sort duration_ms
 * (x' = the coalesced key of src/logs/log-sort.ts; rows without a path are not in these indexes.)
 *
 * A sort's order is (field, logger', timestamp, id). Within one level, or one (level, logger) pair, its index
 * returns exactly that order, so a page is the merge of one index range per level or per pair: each branch
 * reads at most offset + limit + 1 rows in order, and the merge keeps the first ones. The level and source
 * filters only choose fewer branches. The branches are a LATERAL over the listed values, so the statement is
 * planned once whatever their number (a UNION ALL would plan every branch against every partition).
 *
 * - branch per (level, logger) pair: path (a route's path says which logger wrote it, so a source filter
 *   inside one level would walk past every other logger's paths) and timestamp under a level or source filter
 *   (without one, the primary key (timestamp, id) is the order: no branch).
 * - branch per level: source, method, status and duration. With a time range or a source, the loggers (and
 *   the few values of method and status) become `field = any(values) and logger' = any(loggers)` inside the
 *   branch, which PostgreSQL ≥ 17 answers by jumping from one run to the next, straight into the time range,
 *   still in index order. Duration has too many values for that: a branch walks, skipping rows outside.
 * - no branch: the level sort (level_idx is its order, with the same skips), a level filter on a sort
 *   branched per level (it is that one branch), and request_id (a hash lookup of a handful of rows).
 *
 * Path and duration with a short time range read its rows whole (by the primary key) and sort them, as their
 * branches would walk past every row outside the range (see gathers).
 *
 * The lists (levels or pairs, the few values of method or status, the rows of a time range) come from one
 * query before the page: loose index scans, one index probe per value, so their cost follows the number of
 * distinct values, not rows. A list longer than LIST_CAP, or more than BRANCH_CAP branches, falls back to the
 * plain query and the planner's choice: correct, just not guaranteed fast.
 */

/** Lists longer than this are not used. */
const LIST_CAP = 1_000;
/** At most this many branches are merged. */
const BRANCH_CAP = 64;
/** A time range holding at most this many rows is read whole and sorted (see gathers). */
const GATHER_CAP = 20_000;

type Branching = 'pair' | 'level' | 'none';

interface SortPlan {
  branchBy: Branching;
  /** The first key has few values: listed, they become a skip array (method, status). */
  listLead: boolean;
  /**
   * Within a branch, every index column before the timestamp is pinned or listed, so a time range is an index
   * range too. Not so for path and duration: a branch walks their values and skips rows outside the range.
   */
  rangeInIndex: boolean;
}

const SORT_PLANS: Readonly<Record<LogSortField, SortPlan>> = {
  timestamp: { branchBy: 'pair', listLead: false, rangeInIndex: true },
  level: { branchBy: 'none', listLead: false, rangeInIndex: true },
  source: { branchBy: 'level', listLead: false, rangeInIndex: true },
  path: { branchBy: 'pair', listLead: false, rangeInIndex: false },
  method: { branchBy: 'level', listLead: true, rangeInIndex: true },
  status_code: { branchBy: 'level', listLead: true, rangeInIndex: true },
  duration_ms: { branchBy: 'level', listLead: false, rangeInIndex: false },
};

/** Distinct values found before the page query; null = more than LIST_CAP (or, for pairs, not asked for). */
export interface BranchLists {
  /** Every level of admin logs. */
  levels: string[] | null;
  /** Every (level, logger') of admin logs, in index order. */
  pairs: { level: string; logger: string }[] | null;
  /** The loggers the source filter matches (null without a source filter or when pairs is null). */
  matchedLoggers: string[] | null;
  /** Every distinct value of the sort's first key, as text (method and status, when asked for). */
  leadValues: string[] | null;
  /** Rows in the time range, counted up to GATHER_CAP + 1 (path and duration with a time range). */
  inRange: number | null;
}

/** The branches of one page: a column list bound as parallel arrays. */
export interface Branches {
  by: 'pair' | 'level';
  levels: string[];
  /** Only for pairs, aligned with levels. */
  loggers: string[];
}

const hasTimeRange = (q: LogQuery): boolean => q.startTime !== undefined || q.endTime !== undefined;

/** The timestamp sort without a level or source filter reads the primary key, in time order already. */
const timeOrdered = (q: LogQuery): boolean =>
  q.sortBy === 'timestamp' && q.level === undefined && q.source === undefined;

const needsLead = (q: LogQuery): boolean =>
  SORT_PLANS[q.sortBy].listLead && (q.source !== undefined || hasTimeRange(q));

const needsInRange = (q: LogQuery): boolean => hasTimeRange(q) && !SORT_PLANS[q.sortBy].rangeInIndex;

/**
 * The loggers are needed for pair branches, a source filter and the skips of a time range (the page's, and the
 * count's: index-only on level_idx instead of a walk of the primary key through the heap); a level branch alone
 * needs the levels only, a shorter walk.
 */
const needsPairs = (q: LogQuery): boolean =>
  SORT_PLANS[q.sortBy].branchBy !== 'level' || q.source !== undefined || hasTimeRange(q);

/** Whether the page needs the lists: not for a request_id, nor where one plain index range is the plan. */
export function needsBranchLists(q: LogQuery): boolean {
  if (q.requestId !== undefined || timeOrdered(q)) return false;
  const { branchBy } = SORT_PLANS[q.sortBy];
  if (q.source !== undefined || hasTimeRange(q)) return true;
  return branchBy === 'pair' || (branchBy === 'level' && q.level === undefined);
}

/**
 * One query listing the (level, logger') pairs of admin logs (or only the levels, when that is enough), and for
 * method and status the distinct (level, field) pairs, each with a loose index scan: every step is
 * `(a, b) > previous order by a, b limit 1`, one probe of the index those columns lead in every partition read.
 * A list stops at LIST_CAP + 1 values and then comes back null. For path and duration with a time range it also
 * counts the range's rows, up to GATHER_CAP + 1.
 */
export function buildBranchListsSql(rel: LogRelation, q: LogQuery): SqlQuery {
  const p = new Params();
  const cap = p.bind(LIST_CAP, 'integer');
  const pattern = p.bind(q.source === undefined ? null : containsPattern(q.source), 'text');
  // A time range lists only the weeks it touches: whole partitions, so that the bound prunes the others but
  // filters no row inside them (a probe would walk past such rows one by one).
  const weeks = [
    ...(q.startTime === undefined
      ? []
      : [`l.timestamp >= kgdb_system_logs_week(${p.bind(q.startTime, 'timestamptz')})`]),
    ...(q.endTime === undefined
      ? []
      : [`l.timestamp < kgdb_system_logs_week(${p.bind(q.endTime, 'timestamptz')}) + interval '7 days'`]),
  ];
  const walk = (name: string, second: SortKeyColumn | undefined) => {
    const keys = second ? ['l.level', second.expr] : ['l.level'];
    const step = (
      after: string | null,
    ) => `select l.level, ${second ? `(${second.expr})::text` : 'null::text'} as v
      from ${rel.from}
     ${whereSql([...weeks, ...(after === null ? [] : [`(${keys.join(', ')}) > ${after}`])])}
     order by ${keys.join(', ')}
     limit 1`;
    const after = second ? `(${name}.level, ${name}.v::${second.cast})` : `(${name}.level)`;
    return `${name}(level, v, n) as (
  select s.level, s.v, 1 from (${step(null)}) s
  union all
  select nx.level, nx.v, ${name}.n + 1
    from ${name} cross join lateral (${step(after)}) nx
   where ${name}.n <= ${cap})`;
  };
  const listed = (name: string, select: string, extra = '') =>
    `case when (select count(*) from ${name}) > ${cap} then null
       else array(select ${select} from ${name} ${extra}) end`;
  const lead = needsLead(q) ? SORTS[q.sortBy].keys[0] : undefined;
  let inRange = 'null::int';
  if (needsInRange(q)) {
    const range = [
      ...(q.startTime === undefined ? [] : [`l.timestamp >= ${p.bind(q.startTime, 'timestamptz')}`]),
      ...(q.endTime === undefined ? [] : [`l.timestamp <= ${p.bind(q.endTime, 'timestamptz')}`]),
    ];
    const cap = p.bind(GATHER_CAP + 1, 'integer');
    // Every row of the range, with a path or not: what reading it whole would read. In time order, the primary
    // key's range read index-only, not a scan that meets the range's rows last.
    inRange = `(select count(*)::int
                  from (select 1 from system_logs l ${whereSql(range)} order by l.timestamp limit ${cap}) r)`;
  }
  const ctes = [walk('pairs', needsPairs(q) ? LOGGER_KEY : undefined)];
  if (lead) ctes.push(walk('lead', lead));
  const text = `with recursive ${ctes.join(',\n')}
select ${listed('pairs', 'level', 'order by n')} as levels,
       ${needsPairs(q) ? listed('pairs', 'v', 'order by n') : 'null::text[]'} as loggers,
       case when ${pattern} is null then null
            else ${listed('pairs', 'distinct v', `where v ilike ${pattern}`)} end as matched_loggers,
       ${lead ? listed('lead', 'distinct v') : 'null::text[]'} as lead_values,
       ${inRange} as in_range`;
  return { text, values: p.values };
}

/** The row of buildBranchListsSql, as BranchLists. */
export function toBranchLists(row: {
  levels: string[] | null;
  loggers: string[] | null;
  matched_loggers: string[] | null;
  lead_values: string[] | null;
  in_range: number | null;
}): BranchLists {
  const { levels, loggers } = row;
  const pairs = levels && loggers ? levels.map((level, n) => ({ level, logger: loggers[n] ?? '' })) : null;
  return {
    levels: levels && [...new Set(levels)],
    pairs,
    matchedLoggers: pairs ? row.matched_loggers : null,
    leadValues: row.lead_values,
    inRange: row.in_range,
  };
}

/**
 * A path or duration page with a time range of few rows reads them all (by the primary key, in time order)
 * and sorts them: walking the sort's index would pass every row outside the range first. A wide range is the
 * other way round, its rows are close together in the index, so the branches walk.
 */
export function gathers(lists: BranchLists | undefined): boolean {
  return lists?.inRange != null && lists.inRange <= GATHER_CAP;
}

/** The pairs the level and source filters leave (undefined when not listed). */
function filteredPairs(q: LogQuery, lists: BranchLists | undefined) {
  if (!lists?.pairs || (q.source !== undefined && !lists.matchedLoggers)) return undefined;
  const matched = new Set(lists.matchedLoggers ?? []);
  return lists.pairs.filter(
    (pair) =>
      (q.level === undefined || pair.level === q.level) &&
      (q.source === undefined || matched.has(pair.logger)),
  );
}

/**
 * The branches of the page, or undefined when it is one plain query (no branching for this sort and filter,
 * lists missing, or too many branches).
 */
export function pageBranches(q: LogQuery, lists: BranchLists | undefined): Branches | undefined {
  if (q.requestId !== undefined || timeOrdered(q) || gathers(lists)) return undefined;
  const { branchBy } = SORT_PLANS[q.sortBy];
  if (branchBy === 'none') return undefined;
  if (branchBy === 'level' && q.level !== undefined) return undefined;
  if (branchBy === 'level' && !lists?.pairs && q.source === undefined) {
    const levels = lists?.levels;
    return levels && levels.length <= BRANCH_CAP ? { by: 'level', levels, loggers: [] } : undefined;
  }
  const pairs = filteredPairs(q, lists);
  if (!pairs) return undefined;
  if (branchBy === 'pair') {
    if (pairs.length > BRANCH_CAP) return undefined;
    return { by: 'pair', levels: pairs.map((r) => r.level), loggers: pairs.map((r) => r.logger) };
  }
  const levels = [...new Set(pairs.map((r) => r.level))];
  return levels.length > BRANCH_CAP ? undefined : { by: 'level', levels, loggers: [] };
}

/** The loggers a source filter stands for, or undefined to keep its ILIKE. */
export function matchedLoggers(q: LogQuery, lists: BranchLists | undefined): string[] | undefined {
  return q.source !== undefined ? (lists?.matchedLoggers ?? undefined) : undefined;
}

/** The skips of a page that is one plain query: level_idx's for the level sort, a branch's for the others. */
export function plainSkips(q: LogQuery, p: Params, lists: BranchLists | undefined): string[] {
  if (q.sortBy === 'level') return skipConditions(q, p, lists, 'level');
  return SORT_PLANS[q.sortBy].branchBy === 'level' && !gathers(lists)
    ? skipConditions(q, p, lists, 'lead')
    : [];
}

/**
 * Conditions true of every admin row that turn a filter outside the index's leading columns into index skips:
 * `level = any(levels)` and `logger' = any(loggers)` (and `field = any(values)` for method and status), for
 * a time range or a source. `leading` says which of them the index has before the time: level_idx and the
 * count take level and logger; a method or status branch takes the field and logger (its level is pinned).
 */
export function skipConditions(
  q: LogQuery,
  p: Params,
  lists: BranchLists | undefined,
  leading: 'level' | 'lead',
): string[] {
  if (!lists?.pairs || (q.source === undefined && !hasTimeRange(q))) return [];
  const where: string[] = [];
  if (leading === 'level' && q.level === undefined) {
    const levels = [...new Set((filteredPairs(q, lists) ?? []).map((r) => r.level))];
    where.push(`l.level = any(${p.bind(levels, 'text[]')})`);
  }
  const lead = SORTS[q.sortBy].keys[0];
  if (leading === 'lead' && lead && lists.leadValues) {
    where.push(`${lead.expr} = any(${p.bind(lists.leadValues, `${lead.cast}[]`)})`);
  }
  if (q.source === undefined) {
    const loggers = [...new Set(lists.pairs.map((r) => r.logger))];
    where.push(`${LOGGER_KEY.expr} = any(${p.bind(loggers, 'text[]')})`);
  }
  return where;
}
