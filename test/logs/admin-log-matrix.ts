import type { LogQueryParams } from '../../src/logs/log-query.js';
import { LOG_SORT_FIELDS, SORT_ORDERS } from '../../src/logs/log-sort.js';

/**
 * The admin-log first pages the 5 M-row plan test asserts on and bench/request-log-bench.ts times: every filter
 * below × every whitelisted sort × both orders, at the API's default limit. The filters are the ones an admin
 * reaches for: a rare and a common level, a rare and a common source (logger contains), one request, the last
 * day, one hour ten days back, and a time range combined with a level or a source. Values fit the demo log mix
 * (src/data/demo) and the SQL-generated rows of the plan test alike.
 */
export interface MatrixFilter {
  name: string;
  params: LogQueryParams;
  /** The time range, when there is one (the partitions it must touch). */
  range?: { start: Date; end: Date | undefined };
}

const HOUR = 3_600_000;

export function matrixFilters(now: Date, requestId: string): MatrixFilter[] {
  const ago = (hours: number) => new Date(now.getTime() - hours * HOUR);
  const timed = (name: string, params: LogQueryParams, start: Date, end?: Date): MatrixFilter => ({
    name,
    params: { ...params, start_time: start.toISOString(), ...(end && { end_time: end.toISOString() }) },
    range: { start, end },
  });
  return [
    { name: 'none', params: {} },
    { name: 'level=ERROR', params: { level: 'ERROR' } },
    { name: 'level=INFO', params: { level: 'INFO' } },
    { name: 'source=admin', params: { source: 'admin' } },
    { name: 'source=genes', params: { source: 'genes' } },
    { name: 'request_id', params: { request_id: requestId } },
    timed('last 24 h', {}, ago(24)),
    timed('1 h, 10 days ago', {}, ago(240), ago(239)),
    timed('ERROR, last 24 h', { level: 'ERROR' }, ago(24)),
    timed('source=admin, last 24 h', { source: 'admin' }, ago(24)),
  ];
}

export const MATRIX_SORTS: readonly Pick<LogQueryParams, 'sort_by' | 'sort_order'>[] =
  LOG_SORT_FIELDS.flatMap((sort_by) => SORT_ORDERS.map((sort_order) => ({ sort_by, sort_order })));
