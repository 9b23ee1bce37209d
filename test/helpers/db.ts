import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { createPool, type Pool } from '../../src/db/pool.js';

export interface TestDatabase {
  name: string;
  url: string;
  pool: Pool;
  /** Closes the pool and drops the database; call in afterAll. */
  drop(): Promise<void>;
}

async function adminQuery(sql: string): Promise<void> {
  const admin = new pg.Client({ connectionString: inject('adminUrl') });
  await admin.connect();
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}

/** A fresh database cloned from the migrated template: cheap (a file copy) and isolated per test file. */
export async function createTestDatabase(
  poolSize = 5,
  template = inject('templateDatabase'),
): Promise<TestDatabase> {
  const name = `kgdb_t_${randomBytes(6).toString('hex')}`;
  await adminQuery(`create database ${pg.escapeIdentifier(name)} template ${pg.escapeIdentifier(template)}`);
  const u = new URL(inject('adminUrl'));
  u.pathname = `/${name}`;
  const url = u.toString();
  const pool = createPool({ connectionString: url, max: poolSize });
  return {
    name,
    url,
    pool,
    drop: async () => {
      await pool.end();
      await adminQuery(`drop database if exists ${pg.escapeIdentifier(name)} with (force)`);
    },
  };
}

/**
 * The rollout flags as an install that already held data received them (migration 0005: use_database_views
 * gradual at step 0, enable_shadow_testing at 0 %) with no history yet. The template is a database kgdb
 * initialised from empty, where 0008 starts the views at 100 %; tests of rolling out from 0 % start here.
 */
export async function startFlagsAtZero(pool: Pool): Promise<void> {
  await pool.query(`update feature_flags set step = 0 where key = 'use_database_views'`);
  await pool.query(`update feature_flags set percentage = 0 where key = 'enable_shadow_testing'`);
  await pool.query(`delete from feature_flag_events where action <> 'create'`);
}
