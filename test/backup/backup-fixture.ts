import { createReadStream, createWriteStream } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import tar from 'tar-stream';
import { readSequences, readTables } from '../../src/backup/catalog.js';
import type { CopyStats } from '../../src/backup/copy-digest.js';
import { copyTableOut, useCanonicalCopyText } from '../../src/backup/table-copy.js';
import { type Pool, withTransaction } from '../../src/db/pool.js';
import { KgdbError, toError } from '../../src/errors.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

/** An empty database: no migrations, no tables (cloned from template0), as a restore target from scratch. */
export function emptyDatabase(): Promise<TestDatabase> {
  return createTestDatabase(3, 'template0');
}

/** A scratch folder for archives, removed by the returned function. */
export async function scratchFolder(): Promise<{ dir: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'kgdb-backup-'));
  await chmod(dir, 0o755);
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

const discard = () =>
  new Writable({
    write(_chunk, _encoding, callback) {
      callback();
    },
  });

/**
 * Every kgdb table's checksum (rows, bytes, sha256 of its COPY text in key order), computed the way a backup
 * computes it, from one snapshot; plus every sequence's state. Equal results mean equal databases.
 */
export async function databaseDigest(
  pool: Pool,
): Promise<{ tables: Record<string, CopyStats>; sequences: Awaited<ReturnType<typeof readSequences>> }> {
  return withTransaction(pool, async (client) => {
    await client.query('set transaction isolation level repeatable read, read only');
    await useCanonicalCopyText(client);
    const tables: Record<string, CopyStats> = {};
    for (const table of await readTables(client))
      tables[table.name] = await copyTableOut(client, table, discard());
    return { tables, sequences: await readSequences(client) };
  });
}

/** Reads an archive into memory (test archives are small): entry name → content, in order. */
export async function readEntries(file: string): Promise<[string, Buffer][]> {
  const extract = tar.extract();
  const feeding = pipeline(createReadStream(file), createGunzip(), extract);
  const entries: [string, Buffer][] = [];
  for await (const entry of extract) {
    const chunks: Buffer[] = [];
    for await (const chunk of entry) chunks.push(chunk as Buffer);
    entries.push([entry.header.name, Buffer.concat(chunks)]);
  }
  await feeding;
  return entries;
}

/** Writes entries as a gzip'd tar, as a forger (or a bug) would: valid gzip and tar, any content. */
export async function writeEntries(file: string, entries: readonly [string, Buffer][]): Promise<void> {
  const pack = tar.pack();
  const written = pipeline(pack, createGzip(), createWriteStream(file));
  for (const [name, data] of entries) {
    await new Promise<void>((resolve, reject) =>
      pack.entry({ name, size: data.length }, data, (err) => (err ? reject(err) : resolve())),
    );
  }
  pack.finalize();
  await written;
}

/** The KgdbError a promise rejects with (any other outcome fails the test). */
export async function rejection(promise: Promise<unknown>): Promise<KgdbError> {
  try {
    await promise;
  } catch (raw) {
    const err = toError(raw);
    if (err instanceof KgdbError) return err;
    throw err;
  }
  throw new Error('expected a KgdbError');
}

/** Polls `check` until it returns a value (not undefined), failing after a generous deadline. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
