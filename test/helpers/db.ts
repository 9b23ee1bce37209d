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
