import { performance } from 'node:perf_hooks';
import type pg from 'pg';
import type { Pool, Queryable } from '../db/pool.js';

/**
 * The legacy arm's statements, captured as it sends them, and the same statements sent straight to PostgreSQL
 * with no application around them (as psql would, one after another). Their ratio is what the arm's
 * repository, pool and row mapping add to upstream's SQL.
 */
export interface Statement {
  text: string;
  values: unknown[];
}

export interface StatementRecorder {
  /** Hand this to the repository under test. */
  db: Queryable;
  /** Statements and summed database time since the last take. */
  take(): { statements: Statement[]; dbMs: number };
}

export function recordStatements(pool: Pool): StatementRecorder {
  let statements: Statement[] = [];
  let dbMs = 0;
  const db = {
    async query(text: string, values?: unknown[]) {
      statements.push({ text, values: values ?? [] });
      const started = performance.now();
      try {
        return await pool.query(text, values);
      } finally {
        dbMs += performance.now() - started;
      }
    },
  } as Queryable;
  return {
    db,
    take() {
      const out = { statements, dbMs };
      statements = [];
      dbMs = 0;
      return out;
    },
  };
}

/** Runs the statements one after another on `client`; the wall time in ms. */
export async function timeDirect(client: pg.PoolClient, statements: readonly Statement[]): Promise<number> {
  const started = performance.now();
  for (const s of statements) await client.query(s.text, s.values);
  return performance.now() - started;
}
