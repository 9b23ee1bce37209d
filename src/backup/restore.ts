import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { xactLock } from '../db/advisory.js';
import { withIndexesRebuilt } from '../db/bulk-load.js';
import { migrate, SCHEMA_LOCK } from '../db/migrate.js';
import { type Pool, type PoolClient, withTransaction } from '../db/pool.js';
import { KgdbError } from '../errors.js';
import type { Logger } from '../logger.js';
import { type Progress, silentProgress } from '../progress.js';
import { applyViews } from '../views/apply.js';
import { VIEWS } from '../views/defs/index.js';
import { createRefresher } from '../views/refresher.js';
import { assertEntryMatches } from './archive-check.js';
import { MANIFEST_ENTRY, tableEntryName } from './archive-format.js';
import { type EntryBody, readArchive } from './archive-reader.js';
import { appliedMigrations, readTables } from './catalog.js';
import { CopyDigest } from './copy-digest.js';
import { fileError } from './file-error.js';
import type { Manifest, TableManifest } from './manifest.js';
import { knownMigrations, migrateInTransaction } from './migrate-in-transaction.js';
import { archiveSize } from './output-file.js';
import { assertRestorable, migrationStep } from './schema-version.js';
import type { RestoreSummary } from './summary.js';
import { useCanonicalCopyText } from './table-copy.js';
import {
  assertEmptyTarget,
  assertTablesFit,
  connectedServers,
  createLogPartitions,
  restoreSequences,
  tablesWithRows,
} from './target-checks.js';
import { resumeTriggers, suspendTriggers } from './triggers.js';
import { drain, verifyArchive } from './verify-archive.js';

export interface RestoreOptions {
  file: string;
  /** Replace the contents of a database that holds rows (without it such a target is refused). */
  replace: boolean;
  logger: Logger;
  progress?: Progress;
}

const ident = (name: string) => pg.escapeIdentifier(name);

/**
 * `kgdb restore FILE`. Two passes over the archive:
 *
 * 1. Verify, touching no database: the manifest is the archive's last entry (archive-format.ts), so nothing can
 *    be checked before the whole file has been read once; this pass checks gzip, tar, the manifest and every
 *    table's rows, size and sha256, and the schema version against this build. A damaged, cut or foreign
 *    archive is refused before the target is locked or a row of it is touched.
 * 2. Load, in ONE transaction: bring the target's schema to the archive's version (migrations up or down, inside
 *    the transaction), empty the kgdb tables, COPY every table, put the sequences back. Each entry is hashed
 *    again as it streams and compared before commit, so a file changed between the passes still rolls back.
 *    A failure or a kill anywhere in here leaves the target exactly as it was.
 *
 * After commit: the migrations newer than the archive, the views (apply, then refresh every matview) and
 * ANALYZE. A kill in this last part leaves the archive's data at the archive's schema version: the next
 * `kgdb migrate` or server start completes it.
 */
export async function runRestore(pool: Pool, options: RestoreOptions): Promise<RestoreSummary> {
  const started = performance.now();
  const file = path.resolve(options.file);
  const progress = options.progress ?? silentProgress;
  const size = await archiveSize(file);
  const manifest = await verifyArchive(file, size, progress);
  const known = await knownMigrations();
  assertRestorable(manifest.schema_version, known);

  await withTransaction(pool, (client) => load(client, file, manifest, known, options));

  const migratedForward = await migrate(pool, options.logger);
  await applyViews(pool, VIEWS, { logger: options.logger, progress });
  const refresher = createRefresher({ pool, views: VIEWS, listen: false, logger: options.logger });
  const refreshed = await refresher.refresh(undefined, { force: true, progress });
  const failed = refreshed.find((r) => r.outcome === 'failed');
  if (failed) {
    throw new KgdbError('INTERNAL', {
      detail: `the data is restored, but refreshing ${failed.name} failed (${failed.error}): run kgdb views refresh --force`,
    });
  }
  await pool.query(`analyze ${manifest.tables.map((t) => ident(t.name)).join(', ')}`);
  return {
    tables: manifest.tables.length,
    rows: manifest.tables.reduce((sum, t) => sum + t.rows, 0),
    archiveBytes: size,
    ms: performance.now() - started,
    file,
    migratedForward,
    connectedServers: await connectedServers(pool),
  };
}

async function load(
  client: PoolClient,
  file: string,
  manifest: Manifest,
  known: readonly string[],
  options: RestoreOptions,
) {
  // A concurrent migrate or view apply waits for the restore, and the restore for them.
  await xactLock(client, SCHEMA_LOCK);
  const tables = await readTables(client);
  if (!options.replace) assertEmptyTarget(await tablesWithRows(client, tables));

  const step = migrationStep(await appliedMigrations(client), manifest.schema_version, known);
  if (step) await migrateInTransaction(client, step, options.logger);
  // A migration step changes the tables: read them again.
  assertTablesFit(manifest, step ? await readTables(client) : tables);
  // The text was written under these settings (after the migrations, which run under the session's own).
  await useCanonicalCopyText(client);

  const names = manifest.tables.map((t) => t.name);
  const suspended = await suspendTriggers(client, names);
  await client.query(`truncate table ${names.map(ident).join(', ')}`);
  await createLogPartitions(client, manifest.log_partitions);
  await copyTablesIn(client, file, manifest, options.progress ?? silentProgress);
  await restoreSequences(client, manifest);
  await resumeTriggers(client, suspended);
}

/** Pass 2's reading: every table entry into its table, in archive order, each re-verified against the manifest. */
async function copyTablesIn(client: PoolClient, file: string, manifest: Manifest, progress: Progress) {
  let next = 0;
  await readArchive(file, async (name, body) => {
    if (name === MANIFEST_ENTRY) return drain(body);
    const table = manifest.tables[next];
    if (table === undefined || name !== tableEntryName(table.name)) {
      throw fileError(
        `${file} changed while it was being restored (entry ${name} where the verified archive had ${table ? tableEntryName(table.name) : MANIFEST_ENTRY})`,
      );
    }
    next += 1;
    // Into an emptied table: one sorted build per index beats maintaining them row by row (2 M log rows: 48 s
    // against 83 s).
    await withIndexesRebuilt(client, progress, table.name, () => copyTableIn(client, table, body, progress));
  });
  const missing = manifest.tables[next];
  if (missing) {
    throw fileError(`${file} changed while it was being restored (${tableEntryName(missing.name)} is gone)`);
  }
}

async function copyTableIn(client: PoolClient, table: TableManifest, body: EntryBody, progress: Progress) {
  progress.start(`restore ${table.name}`, table.rows);
  try {
    const digest = new CopyDigest((n) => progress.advance(n));
    const columns = table.columns.map(ident).join(', ');
    await pipeline(
      body,
      digest,
      client.query(copyFrom(`copy ${ident(table.name)} (${columns}) from stdin`)),
    ).catch((err: unknown) => {
      if (!(err instanceof pg.DatabaseError)) throw err;
      throw fileError(
        `the archive's table ${table.name} does not load: ${err.message} (nothing was restored)`,
        err,
      );
    });
    assertEntryMatches(table, digest.stats());
  } finally {
    progress.done();
  }
}
