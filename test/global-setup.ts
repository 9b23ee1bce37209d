import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres } from '../src/db/embedded.js';
import { migrate } from '../src/db/migrate.js';
import { createPool } from '../src/db/pool.js';
import { createLogger } from '../src/logger.js';
import { applyViews } from '../src/views/apply.js';
import { VIEWS } from '../src/views/defs/index.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A superuser URL for the test server; test files create their databases through it. */
    adminUrl: string;
    /** The migrated database every test database is cloned from. */
    templateDatabase: string;
  }
}

const TEMPLATE = 'kgdb_template';

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/**
 * Starts one PostgreSQL for the run (embedded in a temp dir unless TEST_DATABASE_URL/DATABASE_URL is set),
 * drops databases left by an earlier crashed run, and builds the migrated template.
 */
export default async function setup(project: TestProject) {
  const logger = createLogger('warn', 2);
  const external = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL;
  let tempDir: string | undefined;
  let stopServer = async () => {};
  let adminUrl: string;
  if (external) {
    adminUrl = external;
  } else {
    tempDir = await mkdtemp(path.join(os.tmpdir(), 'kgdb-test-'));
    // The server runs as the unprivileged 'postgres' user when we are root; it must reach into the temp dir.
    await chmod(tempDir, 0o755);
    const server = await startEmbeddedPostgres({
      dataDir: tempDir,
      logger,
      database: 'postgres',
      settings: { fsync: 'off', full_page_writes: 'off', max_connections: '300' },
    });
    adminUrl = server.url;
    stopServer = server.stop;
  }

  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  const { rows } = await admin.query<{ datname: string }>(
    `select datname from pg_database where datname like 'kgdb\\_t\\_%' or datname = $1`,
    [TEMPLATE],
  );
  for (const { datname } of rows)
    await admin.query(`drop database ${admin.escapeIdentifier(datname)} with (force)`);
  await admin.query(`create database ${TEMPLATE}`);
  const pool = createPool({ connectionString: withDatabase(adminUrl, TEMPLATE), max: 2 });
  await migrate(pool, logger);
  await applyViews(pool, VIEWS);
  await pool.end();
  await admin.end();

  project.provide('adminUrl', adminUrl);
  project.provide('templateDatabase', TEMPLATE);

  return async () => {
    await stopServer();
    if (tempDir) await rm(tempDir, { recursive: true, force: true });
  };
}
