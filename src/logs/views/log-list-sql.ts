import { containsPattern } from '../like-pattern.js';
import type { LogQuery } from '../log-repository.js';
import { isoUtcSql, keyTextSql, LOGGER_KEY, SORTS } from '../log-sort.js';
import { mergeLoggers, type SkipLists, skipConditions } from './log-skip-sql.js';
import { type LogRelation, Params, type SqlQuery, whereSql } from './log-sql-base.js';

/** At most this many matching rows are counted exactly; see capTotal. */
export const COUNT_CAP = 10_000;

/** The filter predicates (not the keyset): shared by the page, the count and the estimate. */
function filters(q: LogQuery, p: Params, lists: SkipLists | undefined, { withSource = true } = {}): string[] {
  const where: string[] = [];
  if (q.level !== undefined) where.push(`l.level = ${p.bind(q.level, 'text')}`);
  if (q.source !== undefined && withSource) {
    where.push(
      lists?.matchedLoggers
        ? `${LOGGER_KEY.expr} = any(${p.bind(lists.matchedLoggers, 'text[]')})`
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

/** One SELECT of rows in sort order; `extra` adds the raw sort keys (the merge re-sorts on them). */
function orderedSelect(rel: LogRelation, q: LogQuery, where: string[], limit: string, extra = false): string {
  const { keys } = SORTS[q.sortBy];
  const dir = q.sortOrder;
  const columns = LOG_COLUMNS.map(([expr, name]) => `${expr} as ${name}`);
  columns.push(`array[${keys.map(keyTextSql).join(', ')}]::text[] as sort_key`);
  if (extra) columns.push(...keys.map((k, n) => `${k.expr} as k${n}`));
  return `select ${columns.join(', ')}
  from ${rel.from}
 ${whereSql(where)}
 order by ${keys.map((k) => `${k.expr} ${dir}`).join(', ')}, l.id ${dir}
 limit ${limit}`;
}

/**
 * One page, plus one row to tell whether another page follows. Ordered by the sort's keys then id, all in
 * one direction, so the order is total and the keyset continues it exactly.
 */
export function buildLogPageSql(rel: LogRelation, q: LogQuery, lists?: SkipLists): SqlQuery {
  const p = new Params();
  const merged = mergeLoggers(q, lists);
  if (merged) return mergedPage(rel, q, lists, merged, p);
  const where = [...filters(q, p, lists), ...skipConditions(q, p, lists), ...keyset(q, p)];
  const limit = p.bind(q.limit + 1, 'integer');
  const offset = q.offset > 0 ? `\n offset ${p.bind(q.offset, 'bigint')}` : '';
  return { text: `${orderedSelect(rel, q, where, limit)}${offset}`, values: p.values };
}

/** The merge of one index range per matched logger (see log-skip-sql.ts), each cut at offset + limit + 1. */
function mergedPage(
  rel: LogRelation,
  q: LogQuery,
  lists: SkipLists | undefined,
  loggers: string[],
  p: Params,
) {
  const branchLimit = p.bind(q.offset + q.limit + 1, 'integer');
  const branches = loggers.map((logger) => {
    const where = [
      ...filters(q, p, lists, { withSource: false }),
      `${LOGGER_KEY.expr} = ${p.bind(logger, 'text')}`,
      ...keyset(q, p),
    ];
    return `(${orderedSelect(rel, q, where, branchLimit, true)})`;
  });
  const { keys } = SORTS[q.sortBy];
  const outer = [...LOG_COLUMNS.map(([, name]) => `m.${name}`), 'm.sort_key'].join(', ');
  const order = [...keys.map((_, n) => `m.k${n} ${q.sortOrder}`), `m.id ${q.sortOrder}`].join(', ');
  const limit = p.bind(q.limit + 1, 'integer');
  const offset = q.offset > 0 ? ` offset ${p.bind(q.offset, 'bigint')}` : '';
  const text = `select ${outer}
  from (${branches.join('\n union all\n')}) m
 order by ${order}
 limit ${limit}${offset}`;
  return { text, values: p.values };
}

/**
 * Counts matching rows, but stops at COUNT_CAP + 1: a bounded amount of work whatever the table holds. The
 * rows are taken in the order of an index that has the filter leading ((logger, timestamp, id) for a source,
 * else (level,) timestamp, id), so the count is a walk of at most COUNT_CAP + 1 index entries: without the
 * ORDER BY the planner may pick a bitmap (which first collects every match) or a sequential scan.
 */
export function buildLogCountSql(rel: LogRelation, q: LogQuery, lists?: SkipLists): SqlQuery {
  const p = new Params();
  const where = filters(q, p, lists);
  const cap = p.bind(COUNT_CAP + 1, 'integer');
  const order =
    q.requestId !== undefined
      ? ''
      : q.source !== undefined && lists?.matchedLoggers
        ? `order by ${LOGGER_KEY.expr}, l.timestamp, l.id`
        : 'order by l.timestamp, l.id';
  return {
    text: `select count(*)::int as n
  from (select 1 from ${rel.from} ${whereSql(where)} ${order} limit ${cap}) capped`,
    values: p.values,
  };
}

/** The planner's row estimate for the filters (EXPLAIN plans, never runs, the query). */
export function buildLogEstimateSql(rel: LogRelation, q: LogQuery, lists?: SkipLists): SqlQuery {
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
