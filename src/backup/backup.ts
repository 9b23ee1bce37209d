import { createWriteStream } from 'node:fs';
import { rename, stat } from 'node:fs/promises';
import path from 'node:path';
import { type Pool, type PoolClient, withTransaction } from '../db/pool.js';
import { KgdbError } from '../errors.js';
import { type Progress, silentProgress } from '../progress.js';
import { APP_VERSION } from '../version.js';
import { ARCHIVE_FORMAT, MANIFEST_ENTRY, tableEntryName } from './archive-format.js';
import { createArchiveWriter } from './archive-writer.js';
import { appliedMigrations, readLogPartitions, readSequences, readTables } from './catalog.js';
import type { Manifest, TableManifest } from './manifest.js';
import { assertWritableTarget, removeQuietly } from './output-file.js';
import type { RunSummary } from './summary.js';
import { copyTableOut, useCanonicalCopyText } from './table-copy.js';

export interface BackupOptions {
  file: string;
  /** Overwrite an existing FILE. */
  force: boolean;
  progress?: Progress;
}

/**
 * `kgdb backup FILE`: every kgdb table from one snapshot (a repeatable-read, read-only transaction: what other
 * sessions commit meanwhile is not in it, and nothing waits for it but VACUUM) into a gzip'd tar with a
 * manifest (archive-format.ts). Written to FILE.partial and renamed when complete and on disk.
 */
export async function runBackup(pool: Pool, options: BackupOptions): Promise<RunSummary> {
  const started = performance.now();
  const file = path.resolve(options.file);
  await assertWritableTarget(file, options.force);
  const partial = `${file}.partial`;
  const spool = `${file}.partial-table`;
  try {
    const manifest = await withTransaction(pool, async (client) => {
      await client.query('set transaction isolation level repeatable read, read only');
      await useCanonicalCopyText(client);
      return writeArchive(client, partial, spool, options.progress ?? silentProgress);
    });
    await rename(partial, file);
    return {
      tables: manifest.tables.length,
      rows: manifest.tables.reduce((sum, t) => sum + t.rows, 0),
      archiveBytes: (await stat(file)).size,
      ms: performance.now() - started,
      file,
    };
  } catch (err) {
    await removeQuietly(partial);
    throw err;
  } finally {
    await removeQuietly(spool);
  }
}

async function writeArchive(
  client: PoolClient,
  file: string,
  spool: string,
  progress: Progress,
): Promise<Manifest> {
  const applied = await appliedMigrations(client);
  const schemaVersion = applied.at(-1);
  if (schemaVersion === undefined) {
    throw new KgdbError('CONFLICT', {
      detail: 'the database has no kgdb migrations applied: there is nothing of kgdb to back up',
    });
  }
  const { rows } = await client.query<{ now: Date }>('select now() as now');
  const createdAt = (rows[0] as { now: Date }).now;
  const tables = await readTables(client);
  const writer = createArchiveWriter(file, createdAt);
  try {
    const written: TableManifest[] = [];
    for (const table of tables) {
      progress.start(`backup ${table.name}`, Math.round(table.estimate));
      try {
        const stats = await copyTableOut(client, table, createWriteStream(spool, { mode: 0o600 }), (n) =>
          progress.advance(n),
        );
        await writer.addFile(tableEntryName(table.name), spool, stats.bytes);
        written.push({ name: table.name, columns: table.columns, ...stats });
      } finally {
        progress.done();
      }
    }
    const manifest: Manifest = {
      format_version: ARCHIVE_FORMAT,
      kgdb_version: APP_VERSION,
      schema_version: schemaVersion,
      created_at: createdAt.toISOString(),
      tables: written,
      sequences: await readSequences(client),
      log_partitions: await readLogPartitions(client),
    };
    await writer.addBytes(MANIFEST_ENTRY, Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`));
    await writer.finish();
    return manifest;
  } catch (err) {
    await writer.abort(err as Error);
    throw err;
  }
}
