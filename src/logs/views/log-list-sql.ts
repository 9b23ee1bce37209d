import { containsPattern } from '../like-pattern.js';
import type { LogQuery } from '../log-repository.js';
import { isoUtcSql, keyTextSql, LOGGER_KEY, SORTS } from '../log-sort.js';
import {
  type Branches,
  type BranchLists,
  gathers,
  matchedLoggers,
  pageBranches,
  plainSkips,
  skipConditions,
} from './log-branch-sql.js';
import { type LogRelation, Params, type SqlQuery, whereSql } from './log-sql-base.js';

/** At most this many matching rows are counted exactly; see capTotal. */
export const COUNT_CAP = 10_000;

/**
 * The filter predicates (not the keyset): shared by the page, the count and the estimate. A (level, logger)
 * branch already stands for the level and source filters; repeating them there would only make the planner
 * expect fewer rows than the branch has.
 */
function filters(q: LogQuery, p: Params, lists: BranchLists | undefined, pairBranch = false): string[] {
  const where: string[] = [];
  if (q.level !== undefined && !pairBranch) where.push(`l.level = ${p.bind(q.level, 'text')}`);
  if (q.source !== undefined && !pairBranch) {
    const matched = matchedLoggers(q, lists);
    where.push(
      matched
        ? `${LOGGER_KEY.expr} = any(${p.bind(matched, 'text[]')})`
        : `l.logger ilike ${p.bind(containsPattern(q.source), 'text')}`,
    );
  }
  if (q.requestId !== undefined) where.push(`l.request_id = ${p.bind(q.requestId, 'text')}`);
  if (q.startTime !== undefined) where.push(`l.timestamp >= ${p.bind(q.startTime, 'timestamptz')}`);
  if (q.endTime !== undefined) where.push(`l.timestamp <= ${p.bind(q.endTime, 'timestamptz')}`);
  return where;
}

/** The columns of one admin log row, as the API names them. */
const LOG_COLUMNS: readonly [string, string][] = [
  ['l.id', 'id'],
  [isoUtcSql('l.timestamp'), 'timestamp'],
  ['l.level', 'level'],
  ['l.logger', 'source'],
  ['l.message', 'message'],
  ['l.request_id', 'request_id'],
  ['l.user_id', 'user_id'],
  ['l.ip_address', 'ip_address'],
  ['l.user_agent', 'user_agent'],
  ['l.path', 'path'],
  ['l.method', 'method'],
  ['l.status_code', 'status_code'],
  ['l.duration_ms', 'duration_ms'],
  ['l.error_type', 'error_type'],
  ['l.error_message', 'error_message'],
  ['l.stack_trace', 'stack_trace'],
  ["coalesce(l.context, '{}'::jsonb)", 'context'],
];

/** The keyset: `(keys…, id) > (k…, i)` ascending, `<` descending; an index condition on the sort's index. */
function keyset(q: LogQuery, p: Params): string[] {
  if (!q.after) return [];
  const { keys } = SORTS[q.sortBy];
  const op = q.sortOrder === 'asc' ? '>' : '<';
  const bound = keys.map((k, n) => p.bind(q.after?.keys[n], k.cast));
  return [
    `(${keys.map((k) => k.expr).join(', ')}, l.id) ${op} (${bound.join(', ')}, ${p.bind(q.after.id, 'bigint')})`,
  ];
}

const rowColumns = (q: LogQuery): string[] => [
  ...LOG_COLUMNS.map(([expr, name]) => `${expr} as ${name}`),
  `array[${SORTS[q.sortBy].keys.map(keyTextSql).join(', ')}]::text[] as sort_key`,
];

/**
 * One page, plus one row to tell whether another page follows. Ordered by the sort's keys then id, all in
 * one direction, so the order is total and the keyset continues it exactly. With branches (log-branch-sql.ts)
 * it is the merge of one index range per level or (level, logger) pair; a short time range is read whole and
 * sorted; otherwise it is one plain query.
 */
export function buildLogPageSql(rel: LogRelation, q: LogQuery, lists?: BranchLists): SqlQuery {
  const p = new Params();
  const branches = pageBranches(q, lists);
  if (branches) return mergedPage(rel, q, lists, branches, p);
  if (gathers(lists)) return gatheredPage(rel, q, lists, p);
  const where = [...filters(q, p, lists), ...plainSkips(q, p, lists), ...keyset(q, p)];
  const dir = q.sortOrder;
  const order = [...SORTS[q.sortBy].keys.map((k) => `${k.expr} ${dir}`), `l.id ${dir}`];
  const limit = p.bind(q.limit + 1, 'integer');
  const offset = q.offset > 0 ? `\n offset ${p.bind(q.offset, 'bigint')}` : '';
  const text = `select ${rowColumns(q).join(', ')}
  from ${rel.from}
 ${whereSql(where)}
 order by ${order.join(', ')}
 limit ${limit}${offset}`;
  return { text, values: p.values };
}

/** The sort keys of a row as k0…kn, then its primary key: what a merge or a gather sorts before reading rows. */
const keyColumns = (q: LogQuery): string =>
  `${SORTS[q.sortBy].keys.map((k, n) => `${k.expr} as k${n}`).join(', ')}, l.timestamp as ts, l.id`;

/**
 * The page's rows from `source`, a FROM list yielding candidates as (k0…kn, ts, id): the first offset + limit
 * + 1 by the sort, of which only the page's rows are read whole, one primary-key lookup each. The lookup is a
 * LATERAL with LIMIT 1 so that it stays one: planned for an unknown limit (the pool's generic plans), a join
 * could become a merge over the whole table.
 */
function pageOfKeys(rel: LogRelation, q: LogQuery, p: Params, source: string): SqlQuery {
  const dir = q.sortOrder;
  const order = [...SORTS[q.sortBy].keys.map((_, n) => `m.k${n} ${dir}`), `m.id ${dir}`].join(', ');
  const limit = p.bind(q.limit + 1, 'integer');
  const offset = q.offset > 0 ? ` offset ${p.bind(q.offset, 'bigint')}` : '';
  const text = `select r.*
  from (select m.*
          from ${source}
         order by ${order}
         limit ${limit}${offset}) m
  cross join lateral (select ${rowColumns(q).join(', ')}
                        from ${rel.from}
                       where l.timestamp = m.ts and l.id = m.id
                       limit 1) r
 order by ${order}`;
  return { text, values: p.values };
}

/**
 * Past this offset a page's branches are a UNION ALL instead of a LATERAL. A LATERAL runs every branch to its
 * end, offset + limit + 1 rows each, so a deep page reads that many times the number of branches; a UNION ALL
 * of branches ordered alike is a Merge Append, which pulls only the rows the merge consumes (offset + limit + 1
 * in all). Below it, the LATERAL is planned once whatever the number of branches, where the UNION ALL plans
 * every branch against every partition.
 */
export const LAZY_MERGE_OFFSET = 1_000;

/**
 * The merge: one index range per branch, its level (or level and logger) pinned to the branch's values, each
 * cut at offset + limit + 1 rows and reading only the sort keys and the primary key. The pinned columns lead
 * each branch's ORDER BY: constant there, so the order is the same, but PostgreSQL only sees that the index
 * delivers it when they are spelled out. A LATERAL over the branch values for first pages, a UNION ALL past
 * LAZY_MERGE_OFFSET.
 */
function mergedPage(
  rel: LogRelation,
  q: LogQuery,
  lists: BranchLists | undefined,
  b: Branches,
  p: Params,
): SqlQuery {
  // No branches (a source matching no logger) stays a LATERAL over empty arrays: no rows, where an empty UNION
  // would not parse.
  const lazy = q.offset >= LAZY_MERGE_OFFSET && b.levels.length > 0;
  const branchValues = lazy
    ? ''
    : b.by === 'pair'
      ? `unnest(${p.bind(b.levels, 'text[]')}, ${p.bind(b.loggers, 'text[]')}) as b(level, logger)`
      : `unnest(${p.bind(b.levels, 'text[]')}) as b(level)`;
  const pinned = b.by === 'pair' ? ['l.level', LOGGER_KEY.expr] : ['l.level'];
  const skips = b.by === 'level' ? skipConditions(q, p, lists, 'lead') : [];
  const shared = [...filters(q, p, lists, b.by === 'pair'), ...skips, ...keyset(q, p)];
  const dir = q.sortOrder;
  const order = [...new Set([...pinned, ...SORTS[q.sortBy].keys.map((k) => k.expr), 'l.id'])];
  const limit = p.bind(q.offset + q.limit + 1, 'integer');
  /** One branch, its level (and logger) equal to `level` (and `logger()`). */
  const branch = (level: string, logger: () => string) => `select ${keyColumns(q)}
      from ${rel.from}
     ${whereSql([`l.level = ${level}`, ...(b.by === 'pair' ? [`${LOGGER_KEY.expr} = ${logger()}`] : []), ...shared])}
     order by ${order.map((expr) => `${expr} ${dir}`).join(', ')}
     limit ${limit}`;
  if (lazy) {
    const parts = b.levels.map(
      (level, n) => `(${branch(p.bind(level, 'text'), () => p.bind(b.loggers[n] ?? '', 'text'))})`,
    );
    // Its plan holds every branch's scan of every partition: too big to keep on each connection for a rare page.
    return {
      ...pageOfKeys(rel, q, p, `(${parts.join('\n        union all\n        ')}) m`),
      prepared: false,
    };
  }
  return pageOfKeys(
    rel,
    q,
    p,
    `${branchValues}
          cross join lateral (${branch('b.level', () => 'b.logger')}) m`,
  );
}

/**
 * A short time range read whole: OFFSET 0 keeps the sort and limit out of the subquery, so PostgreSQL fetches
 * the range's rows (by the primary key) rather than walking a sort index for them.
 */
function gatheredPage(rel: LogRelation, q: LogQuery, lists: BranchLists | undefined, p: Params) {
  const where = [...filters(q, p, lists), ...keyset(q, p)];
  return pageOfKeys(rel, q, p, `(select ${keyColumns(q)} from ${rel.from} ${whereSql(where)} offset 0) m`);
}

/**
 * Counts matching rows, but stops at COUNT_CAP + 1: a bounded amount of work whatever the table holds. The
 * rows are taken in the order of an index that has the filters leading, so the count is a walk of at most
 * COUNT_CAP + 1 index entries: level_idx (level, logger', timestamp), index-only, with the skips of a time range
 * or a source; a time range alone without the lists walks the primary key (timestamp, id). Without the ORDER BY
 * the planner may pick a bitmap (which first collects every match) or a sequential scan.
 */
export function buildLogCountSql(rel: LogRelation, q: LogQuery, lists?: BranchLists): SqlQuery {
  const p = new Params();
  const timeOnly =
    q.level === undefined && q.source === undefined && (q.startTime !== undefined || q.endTime !== undefined);
  const byKey = !timeOnly || lists?.pairs != null;
  const where = [...filters(q, p, lists), ...(byKey ? skipConditions(q, p, lists, 'level') : [])];
  const cap = p.bind(COUNT_CAP + 1, 'integer');
  const order =
    q.requestId !== undefined
      ? ''
      : byKey
        ? `order by l.level, ${LOGGER_KEY.expr}, l.timestamp`
        : 'order by l.timestamp, l.id';
  return {
    text: `select count(*)::int as n
  from (select 1 from ${rel.from} ${whereSql(where)} ${order} limit ${cap}) capped`,
    values: p.values,
  };
}

/** The planner's row estimate for the filters (EXPLAIN plans, never runs, the query). */
export function buildLogEstimateSql(rel: LogRelation, q: LogQuery, lists?: BranchLists): SqlQuery {
  const p = new Params();
  const where = filters(q, p, lists);
  return { text: `explain (format json) select 1 from ${rel.from} ${whereSql(where)}`, values: p.values };
}

/**
 * `total` for a page: the exact count when at most COUNT_CAP rows match, else the planner's estimate, raised
 * to at least COUNT_CAP + 1 (that many rows are known to match). has_more never depends on it.
 */
export function capTotal(counted: number, estimate: number | undefined): { total: number; exact: boolean } {
  if (counted <= COUNT_CAP) return { total: counted, exact: true };
  return { total: Math.max(Math.round(estimate ?? 0), COUNT_CAP + 1), exact: false };
}
