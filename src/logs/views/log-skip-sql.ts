import { containsPattern } from '../like-pattern.js';
import type { LogQuery } from '../log-repository.js';
import { LOGGER_KEY, SORTS, type SortKeyColumn } from '../log-sort.js';
import { type LogRelation, Params, type SqlQuery, whereSql } from './log-sql-base.js';

/*
 * Keeping a first page index-ordered when a filter is not a leading index column (a time range, a source).
 *
 * Each sort's index is (field, logger, timestamp, id). A time range or a set of loggers sits behind the field,
 * so a plain scan in field order reads every row of each field value before reaching the ones inside the
 * filter: on 5 M rows, hundreds of milliseconds to seconds when the filter is correlated with the field (the
 * matching rows of `source=admin` come last in path order). Two ways around it, chosen per query:
 *
 * - skip: list the distinct field values and loggers (a loose index scan: one index probe per value), and
 *   add `field = any(values) and logger = any(loggers)`. True of every row, but as index conditions they
 *   let the B-tree jump from one (field, logger) run to the next straight into the time range, and PostgreSQL
 *   ≥ 17 returns such a scan in index order. For fields with few values: level, source, path, method, status.
 * - merge: timestamp and duration have no short list of values. With a source filter the page is instead the
 *   merge of one index range per matched logger (logger, timestamp, id) / (logger, duration, timestamp, id),
 *   each cut at offset + limit + 1 rows.
 */

/** Lists longer than this are not used (the query keeps plain filters and the planner's choice). */
const SKIP_LIST_CAP = 1_000;
/** At most this many per-logger branches are merged; more matched loggers keep the plain filter. */
const MERGE_CAP = 32;

/** Distinct values found before the page query; null = more than SKIP_LIST_CAP, or not asked for. */
export interface SkipLists {
  /** Every distinct logger of admin logs ('' for NULL). */
  loggers: string[] | null;
  /** The loggers the source filter matches: the filter becomes `logger = any(these)`. */
  matchedLoggers: string[] | null;
  /** Every distinct value of the sort's first key, as text. */
  leadValues: string[] | null;
}

const hasTimeRange = (q: LogQuery): boolean => q.startTime !== undefined || q.endTime !== undefined;

/** A time range or a source, and no request_id (which pins a handful of rows anyway). */
export function needsSkipLists(q: LogQuery): boolean {
  return q.requestId === undefined && (q.source !== undefined || hasTimeRange(q));
}

/**
 * One query listing the distinct loggers (and the distinct values of the sort's first key) with a loose index
 * scan: each step is `key > previous order by key limit 1`, one probe of the key's index, so the cost follows
 * the number of distinct values, not of rows. (Not min(): PostgreSQL's min/max rewrite skips a query over a
 * join, and admin_logs_filtered joins users.) A list stops at SKIP_LIST_CAP + 1 values, then comes back null.
 */
export function buildSkipListsSql(rel: LogRelation, q: LogQuery): SqlQuery {
  const p = new Params();
  const cap = p.bind(SKIP_LIST_CAP, 'integer');
  const pattern = p.bind(q.source === undefined ? null : containsPattern(q.source), 'text');
  const lead = SORTS[q.sortBy].keys[0];
  const leadIsListed = SORTS[q.sortBy].enumerable && lead !== undefined && lead !== LOGGER_KEY;
  const probe = (expr: string, after: string | null) => {
    const where = after === null ? [] : [`${expr} > ${after}`];
    return `(select (${expr})::text from ${rel.from} ${whereSql(where)} order by ${expr} limit 1)`;
  };
  // Values travel as text (one array type for every key); each probe casts the previous one back. Every
  // key expression is non-null (coalesced, or level/path which admin logs always have), so NULL = done.
  const walk = (name: string, { expr, cast }: SortKeyColumn) => `${name}(v, n) as (
  select ${probe(expr, null)}, 1
  union all
  select ${probe(expr, `${name}.v::${cast}`)}, ${name}.n + 1
    from ${name} where ${name}.v is not null and ${name}.n <= ${cap})`;
  const listed = (name: string, extra = '') =>
    `case when (select count(*) from ${name} where v is not null) > ${cap} then null
       else array(select v from ${name} where v is not null ${extra} order by n) end`;
  const ctes = [walk('loggers', LOGGER_KEY)];
  if (leadIsListed && lead) ctes.push(walk('lead', lead));
  const text = `with recursive ${ctes.join(',\n')}
select ${listed('loggers')} as loggers,
       case when ${pattern} is null then null else ${listed('loggers', `and v ilike ${pattern}`)} end
         as matched_loggers,
       ${leadIsListed ? listed('lead') : 'null::text[]'} as lead_values`;
  return { text, values: p.values };
}

/** The skip conditions for the page query (none when the sort or the lists do not allow them). */
export function skipConditions(q: LogQuery, p: Params, lists: SkipLists | undefined): string[] {
  const spec = SORTS[q.sortBy];
  const lead = spec.keys[0];
  if (!lists || !spec.enumerable || !lead || !needsSkipLists(q)) return [];
  const where: string[] = [];
  if (lead !== LOGGER_KEY && lists.leadValues) {
    where.push(`${lead.expr} = any(${p.bind(lists.leadValues, `${lead.cast}[]`)})`);
  }
  if (q.source === undefined && lists.loggers) {
    where.push(`${LOGGER_KEY.expr} = any(${p.bind(lists.loggers, 'text[]')})`);
  }
  return where;
}

/** The loggers to merge one index range each for, or undefined when the plain query is the plan. */
export function mergeLoggers(q: LogQuery, lists: SkipLists | undefined): string[] | undefined {
  const matched = lists?.matchedLoggers;
  if (q.source === undefined || q.requestId !== undefined || SORTS[q.sortBy].enumerable || !matched) {
    return undefined;
  }
  return matched.length > 0 && matched.length <= MERGE_CAP ? matched : undefined;
}
