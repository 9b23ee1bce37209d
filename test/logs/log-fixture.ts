import type { FastifyInstance } from 'fastify';
import { issueApiToken } from '../../src/auth/issue-api-token.js';
import type { Pool, Queryable } from '../../src/db/pool.js';
import { adminLogsFiltered } from '../../src/views/defs/admin-logs-filtered.js';
import { testApp } from '../helpers/app.js';
import { createViews } from '../helpers/views.js';

/** One system_logs row for a fixture; omitted columns are NULL (level defaults to INFO). */
export interface LogFixtureRow {
  timestamp: string;
  level?: string;
  logger?: string | null;
  message?: string | null;
  path?: string | null;
  method?: string | null;
  status_code?: number | null;
  duration_ms?: number | null;
  request_id?: string | null;
  user_id?: number | null;
  context?: Record<string, unknown> | null;
}

export async function insertLogs(db: Queryable, rows: readonly LogFixtureRow[]): Promise<number[]> {
  const col = <K extends keyof LogFixtureRow>(k: K) => rows.map((r) => r[k] ?? null);
  const { rows: ids } = await db.query<{ id: number }>(
    `insert into system_logs (timestamp, level, logger, message, path, method, status_code, duration_ms, request_id,
                              user_id, context)
     select * from unnest($1::timestamptz[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
                          $7::integer[], $8::float8[], $9::text[], $10::bigint[], $11::jsonb[])
     returning id`,
    [
      col('timestamp'),
      rows.map((r) => r.level ?? 'INFO'),
      col('logger'),
      col('message'),
      col('path'),
      col('method'),
      col('status_code'),
      col('duration_ms'),
      col('request_id'),
      col('user_id'),
      rows.map((r) => (r.context ? JSON.stringify(r.context) : null)),
    ],
  );
  return ids.map((r) => r.id);
}

/** The template database has the views applied; a database built without them gets admin_logs_filtered. */
export async function ensureLogView(db: Queryable): Promise<void> {
  const { rows } = await db.query<{ present: boolean }>(
    `select to_regclass('admin_logs_filtered') is not null as present`,
  );
  if (!rows[0]?.present) await createViews(db, [adminLogsFiltered]);
}

/**
 * The production app on `pool` (the rollout flag picks the arm of the log page), with its request log closed:
 * requests made by a test must not add rows to the system_logs it is reading. A closed writer drops (and
 * counts) every row; closing the app closes it again harmlessly.
 */
export async function logTestApp(pool: Pool): Promise<FastifyInstance> {
  const app = await testApp(pool);
  await app.requestLog.close();
  return app;
}

/** `Authorization: Bearer` headers of a fresh API token with the role. */
export async function tokenHeaders(db: Queryable, role: 'admin' | 'viewer'): Promise<Record<string, string>> {
  const { token } = await issueApiToken(db, { role, name: `logs test ${role}` });
  return { authorization: `Bearer ${token}` };
}
