import type { Pool, Queryable } from '../../db/pool.js';
import type { LogRepository } from '../log-repository.js';
import { createLogReader } from './log-reader.js';
import type { LogRelation } from './log-sql-base.js';

/**
 * Reads the view admin_logs_filtered (docs/data-model.md), which already keeps only rows with a path and
 * derives status_category. The view passes system_logs' columns through under their own names, and the page
 * never selects user_email, so PostgreSQL skips the view's lookup of the user and plans the same index scans
 * as the legacy SQL.
 */
export const VIEW_LOG_RELATION: LogRelation = {
  from: 'admin_logs_filtered l',
  statusCategory: 'l.status_category',
};

/** `reads`: where the page and statistics are read (default `db`); the cleanup deletes through `db`. */
export const createViewLogRepository = (db: Pool, reads?: Queryable): LogRepository =>
  createLogReader(db, VIEW_LOG_RELATION, { reads });
