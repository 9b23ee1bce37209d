import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { assertEntriesMatch, statsMismatch } from '../../src/backup/archive-check.js';
import { ARCHIVE_FORMAT, tableEntryName, tableOfEntry } from '../../src/backup/archive-format.js';
import { CopyDigest } from '../../src/backup/copy-digest.js';
import { loadOrder } from '../../src/backup/load-order.js';
import { type Manifest, parseManifest } from '../../src/backup/manifest.js';
import { nestedStatement } from '../../src/backup/migrate-in-transaction.js';
import { assertRestorable, compareSchemaVersion, migrationStep } from '../../src/backup/schema-version.js';
import {
  formatBackupSummary,
  formatBytes,
  formatRestoreSummary,
  restoreWarning,
} from '../../src/backup/summary.js';
import { copyOutSql } from '../../src/backup/table-copy.js';
import { assertEmptyTarget, assertTablesFit } from '../../src/backup/target-checks.js';
import { KgdbError } from '../../src/errors.js';

const SHA = 'a'.repeat(64);
const KNOWN = ['0001_core-tables', '0002_view-registry', '0003_auth'];

function manifest(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    format_version: ARCHIVE_FORMAT,
    kgdb_version: '0.1.0',
    schema_version: '0003_auth',
    created_at: '2026-12-02T10:00:00.123Z',
    tables: [
      { name: 'genes', columns: ['id', 'approved_symbol'], rows: 2, bytes: 20, sha256: SHA },
      { name: 'gene_evidence', columns: ['id', 'gene_id'], rows: 0, bytes: 0, sha256: SHA },
    ],
    sequences: [{ name: 'genes_id_seq', last_value: 2, is_called: true }],
    log_partitions: ['2026-11-30T00:00:00.000Z'],
    ...overrides,
  };
}

function thrown(fn: () => unknown): KgdbError {
  try {
    fn();
  } catch (err) {
    if (err instanceof KgdbError) return err;
    throw err;
  }
  throw new Error('expected a KgdbError');
}

describe('parseManifest', () => {
  it('returns a valid manifest unchanged', () => {
    expect(parseManifest(JSON.stringify(manifest()))).toEqual(manifest());
  });

  it('refuses another format version before looking at anything else, naming both', () => {
    const err = thrown(() => parseManifest(JSON.stringify({ format_version: 2 })));
    expect(err.code).toBe('INVALID_INPUT');
    expect(err.message).toBe('manifest.json: format version 2 is not one this build reads (it reads 1)');
    expect(thrown(() => parseManifest('{}')).message).toContain('format version missing');
  });

  it.each([
    ['not JSON', '{', /not valid JSON/],
    ['an array', '[]', /must be a JSON object/],
  ])('refuses %s', (_label, text, message) => {
    expect(thrown(() => parseManifest(text)).message).toMatch(message);
  });

  it.each([
    [
      'a table name that is not a plain identifier',
      { tables: [{ ...tableOf(), name: 'genes; drop table x' }] },
      /tables\[0\]\.name must be a lower-case SQL identifier/,
    ],
    [
      'a quoted column',
      { tables: [{ ...tableOf(), columns: ['"id"'] }] },
      /tables\[0\]\.columns must be a non-empty array/,
    ],
    ['a column twice', { tables: [{ ...tableOf(), columns: ['id', 'id'] }] }, /names a column twice/],
    ['a table twice', { tables: [tableOf(), tableOf()] }, /tables names genes twice/],
    [
      'a negative row count',
      { tables: [{ ...tableOf(), rows: -1 }] },
      /tables\[0\]\.rows must be a whole number ≥ 0, got -1/,
    ],
    [
      'a short checksum',
      { tables: [{ ...tableOf(), sha256: 'abc' }] },
      /sha256 must be 64 lower-case hex digits/,
    ],
    [
      'a created_at not in UTC',
      { created_at: '2026-12-02T10:00:00+01:00' },
      /created_at must be an ISO timestamp in UTC/,
    ],
    ['no schema version', { schema_version: '' }, /schema_version must be a migration name/],
    [
      'a sequence value that is not a whole number',
      { sequences: [{ name: 's', last_value: 1.5, is_called: true }] },
      /sequences\[0\]\.last_value must be a whole number/,
    ],
    [
      'a partition that is not a timestamp',
      { log_partitions: ['monday'] },
      /log_partitions\[0\] must be an ISO timestamp/,
    ],
    ['tables missing', { tables: undefined }, /tables must be an array/],
  ])('refuses %s, naming the field', (_label, overrides, message) => {
    const err = thrown(() => parseManifest(JSON.stringify(manifest(overrides))));
    expect(err.code).toBe('INVALID_INPUT');
    expect(err.message).toMatch(/^manifest\.json: /);
    expect(err.message).toMatch(message);
  });
});

function tableOf() {
  return { name: 'genes', columns: ['id'], rows: 1, bytes: 3, sha256: SHA };
}

describe('schema versions', () => {
  it('compares an archive against the build', () => {
    expect(compareSchemaVersion('0003_auth', KNOWN)).toBe('same');
    expect(compareSchemaVersion('0001_core-tables', KNOWN)).toBe('older');
    expect(compareSchemaVersion('0004_later', KNOWN)).toBe('newer');
    expect(compareSchemaVersion('0002_elsewhere', KNOWN)).toBe('unknown');
  });

  it('refuses a newer archive naming both versions, and an unknown one', () => {
    expect(() => assertRestorable('0003_auth', KNOWN)).not.toThrow();
    expect(() => assertRestorable('0001_core-tables', KNOWN)).not.toThrow();
    expect(thrown(() => assertRestorable('0004_later', KNOWN)).message).toBe(
      "the archive's schema version 0004_later is newer than this build's latest migration 0003_auth: restore it with the kgdb version that made it (or a later one)",
    );
    expect(thrown(() => assertRestorable('0002_elsewhere', KNOWN)).message).toMatch(
      /0002_elsewhere is not a migration this build knows \(its latest is 0003_auth\)/,
    );
  });

  it('plans migrations up or down to the archive version, or none', () => {
    expect(migrationStep([], '0003_auth', KNOWN)).toEqual({ direction: 'up', count: 3 });
    expect(migrationStep(['0001_core-tables'], '0002_view-registry', KNOWN)).toEqual({
      direction: 'up',
      count: 1,
    });
    expect(migrationStep(KNOWN, '0001_core-tables', KNOWN)).toEqual({ direction: 'down', count: 2 });
    expect(migrationStep(KNOWN.slice(0, 2), '0002_view-registry', KNOWN)).toBeUndefined();
  });

  it('refuses a target whose applied migrations are not this build’s', () => {
    const err = thrown(() => migrationStep(['0001_core-tables', '0002_other'], '0003_auth', KNOWN));
    expect(err.code).toBe('CONFLICT');
    expect(err.message).toMatch(/migration 0002_other applied/);
    expect(thrown(() => migrationStep([...KNOWN, '0004_later'], '0003_auth', KNOWN)).message).toMatch(
      /0004_later/,
    );
  });
});

describe('loadOrder', () => {
  it('puts every table after the tables it references, ties by name', () => {
    const order = loadOrder(
      ['system_logs', 'gene_evidence', 'users', 'genes', 'api_tokens'],
      [
        { from: 'gene_evidence', to: 'genes' },
        { from: 'system_logs', to: 'users' },
        { from: 'genes', to: 'genes' },
        { from: 'genes', to: 'outside' },
      ],
    );
    expect(order).toEqual(['api_tokens', 'genes', 'gene_evidence', 'users', 'system_logs']);
  });

  it('names the tables of a cycle', () => {
    expect(() =>
      loadOrder(
        ['a', 'b', 'c'],
        [
          { from: 'a', to: 'b' },
          { from: 'b', to: 'a' },
        ],
      ),
    ).toThrow('tables reference each other in a cycle: a, b');
  });
});

describe('archive entries', () => {
  it('names table entries and reads the table back', () => {
    expect(tableEntryName('genes')).toBe('tables/genes.copy');
    expect(tableOfEntry('tables/genes.copy')).toBe('genes');
    expect(tableOfEntry('tables/.copy')).toBeUndefined();
    expect(tableOfEntry('manifest.json')).toBeUndefined();
    expect(tableOfEntry('genes.copy')).toBeUndefined();
  });

  const parsed = parseManifest(JSON.stringify(manifest())) as Manifest;
  const stats = (t: { rows: number; bytes: number; sha256: string }) => ({
    rows: t.rows,
    bytes: t.bytes,
    sha256: t.sha256,
  });
  const entries = parsed.tables.map((t) => ({ table: t.name, stats: stats(t) }));

  it('accepts entries equal to the manifest, in its order', () => {
    expect(() => assertEntriesMatch(parsed, entries)).not.toThrow();
  });

  it('says which entry differs and how', () => {
    const genes = parsed.tables[0];
    if (!genes) throw new Error('fixture');
    expect(statsMismatch(genes, { rows: 1, bytes: 20, sha256: SHA })).toBe('rows 1, manifest 2');
    const changed = [{ table: 'genes', stats: { rows: 2, bytes: 20, sha256: 'b'.repeat(64) } }, entries[1]];
    expect(thrown(() => assertEntriesMatch(parsed, changed as typeof entries)).message).toBe(
      `tables/genes.copy does not match the manifest (sha256 ${'b'.repeat(64)}, manifest ${SHA}): the archive is damaged`,
    );
  });

  it('refuses missing, extra and reordered entries', () => {
    expect(thrown(() => assertEntriesMatch(parsed, entries.slice(0, 1))).message).toMatch(
      /tables\/gene_evidence\.copy is missing/,
    );
    const extra = [...entries, { table: 'users', stats: stats(tableOf()) }];
    expect(thrown(() => assertEntriesMatch(parsed, extra)).message).toMatch(
      /tables\/users\.copy is not in the manifest/,
    );
    expect(thrown(() => assertEntriesMatch(parsed, [...entries].reverse())).message).toMatch(
      /entry 1 is tables\/gene_evidence\.copy, the manifest expects tables\/genes\.copy/,
    );
  });
});

describe('CopyDigest', () => {
  it('passes the bytes through and counts rows, bytes and sha256 across chunk borders', async () => {
    const seen: number[] = [];
    const digest = new CopyDigest((n) => seen.push(n));
    const out: Buffer[] = [];
    const chunks = ['1\tPKD1\n2\tPK', 'D2\n', '', '3\ta\\nb\n'].map((s) => Buffer.from(s));
    await pipeline(
      Readable.from(chunks),
      digest,
      new Writable({
        write(chunk, _e, cb) {
          out.push(chunk);
          cb();
        },
      }),
    );
    const text = '1\tPKD1\n2\tPKD2\n3\ta\\nb\n';
    expect(Buffer.concat(out).toString()).toBe(text);
    const { createHash } = await import('node:crypto');
    expect(digest.stats()).toEqual({
      rows: 3,
      bytes: Buffer.byteLength(text),
      sha256: createHash('sha256').update(text).digest('hex'),
    });
    expect(seen).toEqual([1, 1, 1]);
  });
});

describe('target checks', () => {
  const parsed = parseManifest(JSON.stringify(manifest())) as Manifest;
  const target = (columns: string[]) => [
    { name: 'genes', columns, key: ['id'], estimate: 0 },
    { name: 'gene_evidence', columns: ['id', 'gene_id', 'extra'], key: ['id'], estimate: 0 },
  ];

  it('accepts a target with every table and column of the archive', () => {
    expect(() => assertTablesFit(parsed, target(['id', 'approved_symbol']))).not.toThrow();
  });

  it('names a missing table or column and the schema version', () => {
    expect(thrown(() => assertTablesFit(parsed, target(['id']))).message).toBe(
      "the archive's table genes has columns approved_symbol, which the target database lacks at schema version 0003_auth",
    );
    expect(
      thrown(() => assertTablesFit(parsed, target(['id', 'approved_symbol']).slice(0, 1))).message,
    ).toMatch(/holds table gene_evidence, which the target database lacks/);
  });

  it('refuses a target with rows, naming the tables, unless there are none', () => {
    expect(() => assertEmptyTarget([])).not.toThrow();
    const err = thrown(() => assertEmptyTarget(['genes', 'users']));
    expect(err.code).toBe('CONFLICT');
    expect(err.message).toMatch(/^the target database is not empty: genes, users hold rows\. .*--replace/);
  });
});

describe('helpers', () => {
  it('copies in key order, or by the whole row without a key, quoting every name', () => {
    expect(copyOutSql({ name: 'system_logs', columns: ['id', 'timestamp'], key: ['timestamp', 'id'] })).toBe(
      'copy (select r."id", r."timestamp" from "system_logs" as r order by "timestamp", "id") to stdout',
    );
    expect(copyOutSql({ name: 'odd', columns: ['a'], key: [] })).toBe(
      'copy (select r."a" from "odd" as r order by r::text) to stdout',
    );
  });

  it("turns node-pg-migrate's transaction statements into a savepoint", () => {
    expect(nestedStatement('BEGIN')).toBe('savepoint kgdb_restore_migrations');
    expect(nestedStatement('COMMIT;')).toBe('release savepoint kgdb_restore_migrations');
    expect(nestedStatement(' ROLLBACK ')).toBe('rollback to savepoint kgdb_restore_migrations');
    expect(nestedStatement('create table begin_x (id int)')).toBe('create table begin_x (id int)');
  });

  it('formats the one-line summaries', () => {
    expect(formatBytes(12_345)).toBe('12.3 kB');
    expect(formatBytes(12_345_678)).toBe('12.3 MB');
    const s = { tables: 16, rows: 1_234_567, archiveBytes: 12_345_678, ms: 4_249, file: '/tmp/x.tgz' };
    expect(formatBackupSummary(s)).toBe('backup: 16 tables, 1,234,567 rows, 12.3 MB in 4.2 s → /tmp/x.tgz\n');
    const r = { ...s, migratedForward: [], connectedServers: 0 };
    expect(formatRestoreSummary({ ...r, tables: 1, rows: 1 })).toBe(
      'restore: 1 table, 1 row, 12.3 MB in 4.2 s ← /tmp/x.tgz\n',
    );
    expect(formatRestoreSummary({ ...r, migratedForward: ['0011_a', '0012_b'] })).toMatch(
      /← \/tmp\/x\.tgz; then migrated forward: 0011_a, 0012_b\n$/,
    );
    expect(restoreWarning(r)).toBeUndefined();
    expect(restoreWarning({ ...r, connectedServers: 2 })).toBe(
      'warning: 2 kgdb servers are connected to the restored database: restart them, or they may keep serving the feature flags they held before the restore\n',
    );
  });
});
