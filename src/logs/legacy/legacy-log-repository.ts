import type { Queryable } from '../../db/pool.js';
import { encodeCursor } from '../log-cursor.js';
import type { LogEntry, LogPage, LogQuery, LogRepository } from '../log-repository.js';
import { legacyCountSql, legacyPageSql } from './legacy-log-sql.js';

/** The control arm of the admin-logs experiment: only the page; statistics and cleanup are the views'. */
export type LegacyLogRepository = Pick<LogRepository, 'query'>;

type LegacyRow = Omit<LogEntry, 'request_body' | 'query_params' | 'headers' | 'client_info'> & {
  sort_key: string[];
};

/** Upstream lifted these four out of context; its clients read them there. */
function toEntry({ sort_key: _, ...row }: LegacyRow): LogEntry {
  const { context } = row;
  return {
    ...row,
    request_body: context.request_body ?? null,
    query_params: context.query_params ?? null,
    headers: context.headers ?? null,
    client_info: context.client_info ?? null,
  };
}

async function query(db: Queryable, q: LogQuery): Promise<LogPage> {
  // One statement after the other, as upstream's handler ran them.
  const pageSql = legacyPageSql(q);
  const page = await db.query<LegacyRow>(pageSql.text, pageSql.values);
  const countSql = legacyCountSql(q);
  const count = await db.query<{ total: number }>(countSql.text, countSql.values);
  const hasMore = page.rows.length > q.limit;
  const rows = page.rows.slice(0, q.limit);
  const last = rows.at(-1);
  const nextCursor =
    hasMore && last
      ? encodeCursor({ sortBy: q.sortBy, sortOrder: q.sortOrder, keys: last.sort_key, id: Number(last.id) })
      : null;
  // Exact however many rows match, as upstream counted; the views arm caps its count at 10,000 and estimates
  // beyond, a difference the experiment declares.
  const total = Number(count.rows[0]?.total ?? 0);
  return { logs: rows.map(toEntry), total, totalExact: true, hasMore, nextCursor };
}

/** Upstream's admin-log list over system_logs (legacy-log-sql.ts), independent of the view repository's SQL. */
export const createLegacyLogRepository = (db: Queryable): LegacyLogRepository => ({
  query: (q) => query(db, q),
});
