import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBackup } from '../../src/backup/backup.js';
import { knownMigrations } from '../../src/backup/migrate-in-transaction.js';
import { runRestore } from '../../src/backup/restore.js';
import { seedDemo } from '../../src/data/demo/seed-demo.js';
import { createLogger } from '../../src/logger.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import {
  databaseDigest,
  emptyDatabase,
  readEntries,
  rejection,
  scratchFolder,
  writeEntries,
} from './backup-fixture.js';

// An archive that is damaged, cut short, forged or from a newer kgdb is refused, and the target keeps every row
// (and, when empty, stays empty: not even the migrations are applied).

const logger = createLogger('silent');
let source: TestDatabase;
let target: TestDatabase;
let empty: TestDatabase;
let folder: Awaited<ReturnType<typeof scratchFolder>>;
let archive: string;
let targetBefore: Awaited<ReturnType<typeof databaseDigest>>;

beforeAll(async () => {
  [source, target, empty] = await Promise.all([createTestDatabase(), createTestDatabase(), emptyDatabase()]);
  await seedDemo(source.pool, { genes: 200, evidence: 800, logs: 2_000, seed: 5 });
  await seedDemo(target.pool, { genes: 30, evidence: 60, logs: 50, seed: 6 });
  targetBefore = await databaseDigest(target.pool);
  folder = await scratchFolder();
  archive = path.join(folder.dir, 'good.tgz');
  await runBackup(source.pool, { file: archive, force: false });
});
afterAll(async () => {
  await Promise.all([source?.drop(), target?.drop(), empty?.drop()]);
  await folder?.remove();
});

/** Restores `file` over the target (--replace) and into the empty database; both must refuse and stay as they were. */
async function refused(file: string): Promise<string> {
  const err = await rejection(runRestore(target.pool, { file, replace: true, logger }));
  expect(err.code).toBe('INVALID_INPUT');
  expect(await databaseDigest(target.pool)).toEqual(targetBefore);
  const again = await rejection(runRestore(empty.pool, { file, replace: false, logger }));
  expect(again.message).toBe(err.message);
  const { rows } = await empty.pool.query(`select 1 from pg_class where relname = 'kgdb_migrations'`);
  expect(rows).toEqual([]);
  return err.message;
}

let fileNo = 0;
async function variant(content: Buffer | readonly [string, Buffer][]): Promise<string> {
  const file = path.join(folder.dir, `variant-${++fileNo}.tgz`);
  if (Buffer.isBuffer(content)) await writeFile(file, content);
  else await writeEntries(file, content);
  return file;
}

/** The archive's entries with one of them replaced (or dropped when `edit` returns undefined). */
async function edited(name: string, edit: (data: Buffer) => Buffer | undefined): Promise<[string, Buffer][]> {
  return (await readEntries(archive)).flatMap(([n, data]): [string, Buffer][] => {
    if (n !== name) return [[n, data]];
    const changed = edit(data);
    return changed ? [[n, changed]] : [];
  });
}

const withManifest = (change: (m: Record<string, unknown>) => void) =>
  edited('manifest.json', (data) => {
    const manifest = JSON.parse(data.toString());
    change(manifest);
    return Buffer.from(JSON.stringify(manifest));
  });

describe('kgdb restore refuses, writing nothing', () => {
  it('an archive with bytes flipped inside a table entry', async () => {
    const bytes = await readFile(archive);
    // The table entries are nearly all of the file; the manifest is its small end.
    const at = Math.floor(bytes.length * 0.4);
    for (let i = at; i < at + 16; i++) bytes[i] = (bytes[i] ?? 0) ^ 0xff;
    expect(await refused(await variant(bytes))).toMatch(/is not a complete kgdb backup archive \(.+\)/);
  });

  it('an archive cut short', async () => {
    const bytes = await readFile(archive);
    const message = await refused(await variant(bytes.subarray(0, Math.floor(bytes.length * 0.7))));
    expect(message).toMatch(/is not a complete kgdb backup archive \(unexpected end of file\): cut short/);
  });

  it('a well-formed archive whose table entry differs from its checksum', async () => {
    const entries = await edited('tables/genes.copy', (data) => {
      const text = data.toString().replace('PKD1', 'PKD9');
      expect(text).not.toBe(data.toString());
      return Buffer.from(text);
    });
    expect(await refused(await variant(entries))).toMatch(
      /^tables\/genes\.copy does not match the manifest \(sha256 [0-9a-f]{64}, manifest [0-9a-f]{64}\): the archive is damaged$/,
    );
  });

  it('an archive missing a table entry or its manifest', async () => {
    expect(await refused(await variant(await edited('tables/users.copy', () => undefined)))).toMatch(
      /entry \d+ is tables\/.+, the manifest expects tables\/users\.copy/,
    );
    expect(await refused(await variant(await edited('manifest.json', () => undefined)))).toMatch(
      /has no manifest\.json: not a kgdb backup archive, or one cut short$/,
    );
  });

  it('an archive whose schema version is newer than this build, naming both versions', async () => {
    const latest = (await knownMigrations()).at(-1);
    const message = await refused(
      await variant(await withManifest((m) => Object.assign(m, { schema_version: '9999_from-the-future' }))),
    );
    expect(message).toBe(
      `the archive's schema version 9999_from-the-future is newer than this build's latest migration ${latest}: restore it with the kgdb version that made it (or a later one)`,
    );
  });

  it('an archive of another format version', async () => {
    const message = await refused(
      await variant(await withManifest((m) => Object.assign(m, { format_version: 2 }))),
    );
    expect(message).toBe('manifest.json: format version 2 is not one this build reads (it reads 1)');
  });

  it('a consistent archive whose rows fail to load: the transaction rolls back everything', async () => {
    // A forged genes entry without its first gene, checksums recomputed: verification passes, and the load
    // fails on a foreign key to genes after every table was truncated and several were copied.
    const entries = await readEntries(archive);
    const genes = entries.find(([name]) => name === 'tables/genes.copy')?.[1].toString() ?? '';
    const shortened = Buffer.from(genes.slice(genes.indexOf('\n') + 1));
    const forged = entries.map(([name, data]): [string, Buffer] => {
      if (name === 'tables/genes.copy') return [name, shortened];
      if (name !== 'manifest.json') return [name, data];
      const manifest = JSON.parse(data.toString());
      const line = manifest.tables.find((t: { name: string }) => t.name === 'genes');
      Object.assign(line, {
        rows: line.rows - 1,
        bytes: shortened.length,
        sha256: createHash('sha256').update(shortened).digest('hex'),
      });
      return [name, Buffer.from(JSON.stringify(manifest))];
    });
    const err = await rejection(
      runRestore(target.pool, { file: await variant(forged), replace: true, logger }),
    );
    expect(err.message).toMatch(
      /^the archive's table gene_\w+ does not load: .* violates foreign key constraint .* \(nothing was restored\)$/,
    );
    expect(await databaseDigest(target.pool)).toEqual(targetBefore);
  });

  it('a file that is not an archive at all, and one that does not exist', async () => {
    expect(await refused(await variant(Buffer.from('just some text\n')))).toMatch(
      /is not a complete kgdb backup archive \(incorrect header check\)/,
    );
    const missing = path.join(folder.dir, 'missing.tgz');
    expect(await refused(missing)).toBe(`${missing} does not exist`);
  });
});
