import type { Queryable } from '../db/pool.js';
import { createLogReader } from './log-reader.js';
import type { LogRepository } from './log-repository.js';
import type { LogRelation } from './log-sql-base.js';

/**
 * The "before" path: raw SQL straight from system_logs, reading no view. It applies the view's contract
 * itself: admin logs are the rows with a path (admin_logs_filtered's WHERE), and status_category is the
 * view's CASE (< 400 success, < 500 client_error, otherwise, NULL included, server_error). So a page, a count
 * and the statistics come out equal to the view-backed repository's, row for row.
 */
export const LEGACY_LOG_RELATION: LogRelation = {
  from: 'system_logs l',
  scope: 'l.path is not null',
  statusCategory: `(case when l.status_code < 400 then 'success' when l.status_code < 500 then 'client_error'
        else 'server_error' end)`,
};

export const createLegacyLogRepository = (db: Queryable): LogRepository =>
  createLogReader(db, LEGACY_LOG_RELATION);
