import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBackup } from '../../src/backup/backup.js';
import { appliedMigrations } from '../../src/backup/catalog.js';
import { parseManifest } from '../../src/backup/manifest.js';
import { knownMigrations, migrateInTransaction } from '../../src/backup/migrate-in-transaction.js';
import { runRestore } from '../../src/backup/restore.js';
import { seedDemo } from '../../src/data/demo/seed-demo.js';
import { type Pool, withTransaction } from '../../src/db/pool.js';
import { createLogger } from '../../src/logger.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { emptyDatabase, readEntries, scratchFolder } from './backup-fixture.js';

// An archive made before the latest migrations is restored at its own schema version, then migrated forward:
// into an empty database (migrated up to the archive's version inside the restore's transaction), and with
// --replace over a database already at the latest version (migrated down to it inside the transaction).
// 0011 (partitioned system_logs) and 0012 (guard verdicts) come after the archive's 0010.

const logger = createLogger('silent');
const ARCHIVE_VERSION = '0010_login-lockout';
let old: TestDatabase;
let folder: Awaited<ReturnType<typeof scratchFolder>>;
let archive: string;
let known: string[];

/** Every row of the tables both schema versions have, as JSON, in id order: what must survive the trip. */
async function contents(pool: Pool): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const table of [
    'genes',
    'gene_evidence',
    'users',
    'system_logs',
    'feature_flags',
    'feature_flag_events',
  ]) {
    const key = table === 'feature_flags' ? 'key' : 'id';
    // Columns added after the archive's version (0013's gene identifiers) hold their defaults after the restore.
    const later = table === 'genes' ? ` - '{previous_symbols,ensembl_gene_id,ncbi_gene_id}'::text[]` : '';
    const { rows } = await pool.query(`select to_jsonb(t)${later} as row from ${table} t order by ${key}`);
    out[table] = rows.map((r) => r.row);
  }
  return out;
}

beforeAll(async () => {
  known = await knownMigrations();
  old = await emptyDatabase();
  // The demo writes the latest schema's columns: seed at the latest version, then go down to the archive's.
  await withTransaction(old.pool, (client) =>
    migrateInTransaction(client, { direction: 'up', count: known.length }, logger),
  );
  await seedDemo(old.pool, { genes: 60, evidence: 200, logs: 0, seed: 4 });
  await withTransaction(old.pool, (client) =>
    migrateInTransaction(
      client,
      { direction: 'down', count: known.length - known.indexOf(ARCHIVE_VERSION) - 1 },
      logger,
    ),
  );
  await old.pool.query(
    `insert into system_logs (timestamp, level, logger, message, path, method, status_code)
     select now() - make_interval(days => i), 'INFO', 'api', 'hit ' || i, '/api/genes/', 'GET', 200
       from generate_series(1, 40) as i`,
  );
  folder = await scratchFolder();
  archive = path.join(folder.dir, 'old.tgz');
  await runBackup(old.pool, { file: archive, force: false });
});
afterAll(async () => {
  await old?.drop();
  await folder?.remove();
});

describe('restoring an archive older than this build', () => {
  it('records the schema version it was made at', async () => {
    const manifest = parseManifest((await readEntries(archive)).at(-1)?.[1].toString() ?? '');
    expect(manifest.schema_version).toBe(ARCHIVE_VERSION);
    expect(manifest.log_partitions).toEqual([]);
    expect(manifest.tables.map((t) => t.name)).not.toContain('kgdb_guard_verdicts');
  });

  it('into an empty database: loaded at 0010, then migrated forward, rows unchanged', async () => {
    const target = await emptyDatabase();
    try {
      const summary = await runRestore(target.pool, { file: archive, replace: false, logger });
      expect(summary.migratedForward).toEqual(known.slice(known.indexOf(ARCHIVE_VERSION) + 1));
      expect(await appliedMigrations(target.pool)).toEqual(known);
      expect(await contents(target.pool)).toEqual(await contents(old.pool));
      // 0011 moved the restored logs into a partitioned table.
      const { rows } = await target.pool.query(
        `select relkind::text as k from pg_class where relname = 'system_logs'`,
      );
      expect(rows).toEqual([{ k: 'p' }]);
    } finally {
      await target.drop();
    }
  });

  it('with --replace over a database at the latest version: migrated down inside the transaction, then forward', async () => {
    const target = await createTestDatabase();
    try {
      await seedDemo(target.pool, { genes: 10, evidence: 20, logs: 30, seed: 2 });
      const summary = await runRestore(target.pool, { file: archive, replace: true, logger });
      expect(summary.migratedForward).toEqual(known.slice(known.indexOf(ARCHIVE_VERSION) + 1));
      expect(await appliedMigrations(target.pool)).toEqual(known);
      expect(await contents(target.pool)).toEqual(await contents(old.pool));
      const { rows } = await target.pool.query<{ n: number }>('select count(*)::int as n from gene_scores');
      expect(rows[0]?.n).toBeGreaterThan(0);
    } finally {
      await target.drop();
    }
  });
});
