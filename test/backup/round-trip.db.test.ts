import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBackup } from '../../src/backup/backup.js';
import { appliedMigrations } from '../../src/backup/catalog.js';
import { parseManifest } from '../../src/backup/manifest.js';
import { knownMigrations } from '../../src/backup/migrate-in-transaction.js';
import { runRestore } from '../../src/backup/restore.js';
import { type RestoreSummary, restoreWarning } from '../../src/backup/summary.js';
import { seedDemo } from '../../src/data/demo/seed-demo.js';
import { importFiles } from '../../src/data/import/import-files.js';
import { createLogger } from '../../src/logger.js';
import type { Progress } from '../../src/progress.js';
import { APP_VERSION } from '../../src/version.js';
import { testApp } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { LITERATURE_DIR, PANELS_DIR, upstreamPresent } from '../helpers/upstream.js';
import { refreshMaterializedViews } from '../helpers/views.js';
import {
  databaseDigest,
  emptyDatabase,
  readEntries,
  rejection,
  scratchFolder,
  waitFor,
} from './backup-fixture.js';

// Backup → restore gives the same database: every table's checksum and every sequence equal, and the API
// answers alike. The source is a small demo dataset plus the real upstream files when they are present.

const hasUpstream = upstreamPresent('the upstream data in the backup round trip (demo data only)');
const UPSTREAM_DIRS = [PANELS_DIR, LITERATURE_DIR];

const logger = createLogger('silent');
let source: TestDatabase;
let folder: Awaited<ReturnType<typeof scratchFolder>>;
let archive: string;
/** The source as the archive holds it (the API test's requests write request logs into the source later). */
let sourceDigest: Awaited<ReturnType<typeof databaseDigest>>;
const cleanups: (() => Promise<unknown>)[] = [];

/** A progress phase as a bar would show it: its label, the total it started with and what it advanced by. */
interface Bar {
  label: string;
  total: number;
  advanced: number;
}
const backupBars: Bar[] = [];

/** A Progress that records its phases into `bars`. */
function recorder(bars: Bar[]): Progress {
  return {
    start: (label, total) => bars.push({ label, total, advanced: 0 }),
    advance(n) {
      const bar = bars.at(-1);
      if (bar) bar.advanced += n;
    },
    done() {},
  };
}

/** A database that needs dropping after the file's tests. */
async function track(db: Promise<TestDatabase>): Promise<TestDatabase> {
  const created = await db;
  cleanups.push(() => created.drop());
  return created;
}

beforeAll(async () => {
  source = await track(createTestDatabase());
  await seedDemo(source.pool, { genes: 300, evidence: 1_500, logs: 3_000, seed: 11 });
  if (hasUpstream) await importFiles(source.pool, UPSTREAM_DIRS);
  // Rows in the smaller tables too: a flag change (and its audit event), a token, a secret, a lockout.
  await source.pool.query(`update feature_flags set percentage = 0 where key = 'enable_shadow_testing'`);
  await source.pool.query(
    `insert into api_tokens (name, role, token_hash, display_prefix) values ('ci', 'admin', $1, 'kgdb_ab')`,
    ['f'.repeat(64)],
  );
  await source.pool.query(
    `insert into kgdb_secrets (name, value) values ('jwt_secret', 'not-a-real-secret')`,
  );
  await source.pool.query(
    `insert into login_failures (account, failures, window_started_at) values ('login:eve', 3, now())`,
  );
  await refreshMaterializedViews(source.pool);
  folder = await scratchFolder();
  archive = path.join(folder.dir, 'source.kgdb.tgz');
  await runBackup(source.pool, { file: archive, force: false, progress: recorder(backupBars) });
  sourceDigest = await databaseDigest(source.pool);
});
afterAll(async () => {
  for (const cleanup of cleanups) await cleanup();
  await folder?.remove();
});

describe('kgdb backup', () => {
  it('writes the archive (owner-only) with a manifest: versions, and per table columns, rows, bytes, sha256', async () => {
    expect(existsSync(`${archive}.partial`)).toBe(false);
    expect((await stat(archive)).mode & 0o777).toBe(0o600);
    const entries = await readEntries(archive);
    expect(entries.at(-1)?.[0]).toBe('manifest.json');
    const manifest = parseManifest(entries.at(-1)?.[1].toString() ?? '');
    expect(manifest.kgdb_version).toBe(APP_VERSION);
    expect(manifest.schema_version).toBe((await knownMigrations()).at(-1));
    expect(Date.parse(manifest.created_at)).toBeLessThanOrEqual(Date.now());
    const names = manifest.tables.map((t) => t.name);
    expect(entries.slice(0, -1).map(([name]) => name)).toEqual(names.map((n) => `tables/${n}.copy`));
    // Matviews and the view registry are not data; the migrations table is (the schema version).
    expect(names).toEqual(
      expect.arrayContaining(['genes', 'gene_evidence', 'system_logs', 'kgdb_migrations']),
    );
    expect(names).not.toContain('gene_scores');
    expect(names).not.toContain('kgdb_view_registry');
    expect(names).not.toContain('system_logs_default');
    // Referenced tables come first.
    expect(names.indexOf('genes')).toBeLessThan(names.indexOf('gene_evidence'));
    expect(names.indexOf('users')).toBeLessThan(names.indexOf('system_logs'));
    const { rows } = await source.pool.query<{ genes: number; logs: number }>(
      'select (select count(*) from genes) as genes, (select count(*) from system_logs) as logs',
    );
    const byName = new Map(manifest.tables.map((t) => [t.name, t]));
    expect(byName.get('genes')?.rows).toBe(rows[0]?.genes);
    expect(byName.get('system_logs')?.rows).toBe(3_000);
    expect(byName.get('system_logs')?.columns).toContain('timestamp');
    expect(manifest.log_partitions.length).toBeGreaterThan(0);
    expect(manifest.sequences.map((s) => s.name)).toContain('feature_flags_version_seq');
    // Each entry is the table's data stream the manifest describes, and that stream is the table's.
    const content = new Map(entries);
    for (const t of manifest.tables) {
      const data = content.get(`tables/${t.name}.copy`) ?? Buffer.alloc(0);
      expect(createHash('sha256').update(data).digest('hex')).toBe(t.sha256);
      expect(data.length).toBe(t.bytes);
      expect(sourceDigest.tables[t.name]).toEqual({ rows: t.rows, bytes: t.bytes, sha256: t.sha256 });
    }
  });

  it("shows one bar per table in archive order, advanced by the table's rows and sized by the planner's estimate", async () => {
    const manifest = parseManifest((await readEntries(archive)).at(-1)?.[1].toString() ?? '');
    expect(backupBars.map((b) => b.label)).toEqual(manifest.tables.map((t) => `backup ${t.name}`));
    expect(backupBars.map((b) => b.advanced)).toEqual(manifest.tables.map((t) => t.rows));
    // Analyzed by the seed: a plain table and the partitioned one both have an estimate to size their bar.
    const total = (label: string) => backupBars.find((b) => b.label === label)?.total;
    expect(total('backup genes')).toBeGreaterThan(0);
    expect(total('backup system_logs')).toBeGreaterThan(0);
  });

  it('refuses to overwrite FILE unless --force, and then overwrites it', async () => {
    const file = path.join(folder.dir, 'exists.tgz');
    await writeFile(file, 'keep me');
    const err = await rejection(runBackup(source.pool, { file, force: false }));
    expect(err.code).toBe('CONFLICT');
    expect(err.message).toBe(`${file} exists; pass --force to overwrite it`);
    expect(await readFile(file, 'utf8')).toBe('keep me');
    const summary = await runBackup(source.pool, { file, force: true });
    expect(summary.archiveBytes).toBe((await stat(file)).size);
    expect((await readEntries(file)).at(-1)?.[0]).toBe('manifest.json');
  });

  it('leaves neither FILE nor FILE.partial behind when it fails midway', async () => {
    const file = path.join(folder.dir, 'fails.tgz');
    // The spool of the first table cannot be written: the archive has been started, and must go.
    await mkdir(`${file}.partial-table`);
    await expect(runBackup(source.pool, { file, force: false })).rejects.toThrow(/EISDIR/);
    expect(existsSync(file)).toBe(false);
    expect(existsSync(`${file}.partial`)).toBe(false);
  });

  it('refuses a database kgdb never migrated', async () => {
    const empty = await track(emptyDatabase());
    const file = path.join(folder.dir, 'never.tgz');
    const err = await rejection(runBackup(empty.pool, { file, force: false }));
    expect(err.code).toBe('CONFLICT');
    expect(err.message).toMatch(/no kgdb migrations applied/);
    expect(existsSync(file)).toBe(false);
  });

  it('copies one snapshot: rows committed while it runs are in no table of the archive', async () => {
    const db = await track(createTestDatabase());
    await seedDemo(db.pool, { genes: 20, evidence: 40, logs: 0, seed: 3 });
    const file = path.join(folder.dir, 'snapshot.tgz');
    // The backup's snapshot is taken before it reaches genes, where it waits for this lock; meanwhile a gene,
    // its evidence and a user are committed. None of them may appear in the archive.
    const locker = new pg.Client({ connectionString: db.url });
    await locker.connect();
    try {
      await locker.query('begin');
      await locker.query('lock table genes in access exclusive mode');
      const backup = runBackup(db.pool, { file, force: false });
      await waitFor('the backup waiting for genes', async () => {
        const { rows } = await db.pool.query(
          `select 1 from pg_stat_activity
            where datname = current_database() and wait_event_type = 'Lock' and query like 'copy (select%"genes"%'`,
        );
        return rows.length > 0 ? true : undefined;
      });
      await locker.query(
        `with g as (insert into genes (approved_symbol) values ('SNAPSHOT1') returning id)
         insert into gene_evidence (gene_id, source_name, evidence_data) select id, 'ClinGen', '{}' from g`,
      );
      await locker.query(
        `insert into users (email, username, hashed_password) values ('late@x.org', 'late', 'x')`,
      );
      await locker.query('commit');
      await backup;
    } finally {
      await locker.end();
    }
    const target = await track(emptyDatabase());
    await runRestore(target.pool, { file, replace: false, logger });
    const { rows } = await target.pool.query<{ genes: number; evidence: number; late: number }>(
      `select (select count(*) from genes) as genes, (select count(*) from gene_evidence) as evidence,
              (select count(*) from users where email = 'late@x.org') as late`,
    );
    expect(rows[0]).toEqual({ genes: 20, evidence: 40, late: 0 });
    expect((await db.pool.query('select count(*)::int as n from genes')).rows[0]?.n).toBe(21);
  });
});

describe('kgdb restore', () => {
  let target: TestDatabase;
  const bars: Bar[] = [];
  let restored: RestoreSummary;

  beforeAll(async () => {
    target = await track(emptyDatabase());
    restored = await runRestore(target.pool, {
      file: archive,
      replace: false,
      logger,
      progress: recorder(bars),
    });
  });

  it('into an empty database gives every table the same checksum, and every sequence the same state', async () => {
    const actual = await databaseDigest(target.pool);
    expect(Object.keys(actual.tables).sort()).toEqual(Object.keys(sourceDigest.tables).sort());
    expect(actual).toEqual(sourceDigest);
    expect(await appliedMigrations(target.pool)).toEqual(await knownMigrations());
  });

  it('verifies first, loads table by table, then applies and refreshes the views', async () => {
    const phases = bars.map((b) => b.label);
    const size = (await stat(archive)).size;
    expect(bars[0]).toEqual({ label: 'verify archive', total: size, advanced: size });
    expect(phases.indexOf('restore genes')).toBeLessThan(phases.indexOf('restore gene_evidence'));
    for (const [name, stats] of Object.entries(sourceDigest.tables)) {
      expect(bars.find((b) => b.label === `restore ${name}`)).toEqual({
        label: `restore ${name}`,
        total: stats.rows,
        advanced: stats.rows,
      });
    }
    expect(phases.slice(-2)).toEqual(['apply views', 'refresh views']);
  });

  it('answers the API exactly as the source does', async () => {
    const apps: FastifyInstance[] = [await testApp(source.pool), await testApp(target.pool)];
    try {
      const { rows } = await source.pool.query<{ symbol: string }>(
        `select approved_symbol as symbol from genes g
          where exists (select 1 from gene_evidence e where e.gene_id = g.id) order by id limit 1`,
      );
      const symbol = rows[0]?.symbol ?? 'PKD1';
      for (const url of [
        '/api/genes/?page[size]=100&sort=-evidence_score',
        '/api/genes/?page[size]=100&page[number]=2&sort=approved_symbol',
        '/api/genes/?filter[search]=pk',
        `/api/genes/${symbol}`,
        `/api/genes/${symbol}/evidence`,
        '/api/statistics/summary',
        '/api/statistics/source-overlaps',
      ]) {
        const [a, b] = await Promise.all(apps.map((app) => app.inject({ method: 'GET', url })));
        expect(a?.statusCode, url).toBe(200);
        expect(b?.statusCode, url).toBe(200);
        expect(stable(b?.json()), url).toEqual(stable(a?.json()));
      }
    } finally {
      for (const app of apps) await app.close();
    }
  });

  it('counts the kgdb servers connected to the database it restored, for the warning to restart them', async () => {
    const served = await track(createTestDatabase());
    const app = await testApp(served.pool);
    try {
      await waitFor('the server’s flag listener', async () => {
        const { rows } = await served.pool.query(
          `select 1 from pg_stat_activity where datname = current_database() and application_name = 'kgdb-flags'`,
        );
        return rows.length > 0 ? true : undefined;
      });
      const summary = await runRestore(served.pool, { file: archive, replace: true, logger });
      expect(summary.connectedServers).toBe(1);
      expect(restoreWarning(summary)).toMatch(
        /^warning: 1 kgdb server is connected to the restored database: restart/,
      );
    } finally {
      await app.close();
    }
    expect(restored.connectedServers).toBe(0);
    expect(restoreWarning(restored)).toBeUndefined();
  });

  it('without --replace refuses a database holding rows, naming the tables; --replace leaves exactly the archive', async () => {
    const other = await track(createTestDatabase());
    await seedDemo(other.pool, { genes: 50, evidence: 100, logs: 200, seed: 99 });
    await other.pool.query(
      `insert into users (email, username, hashed_password) values ('o@x.org', 'o', 'x')`,
    );
    const before = await databaseDigest(other.pool);

    const err = await rejection(runRestore(other.pool, { file: archive, replace: false, logger }));
    expect(err.code).toBe('CONFLICT');
    expect(err.message).toMatch(/^the target database is not empty: .*\bgenes\b.* hold rows/);
    for (const table of ['genes', 'gene_evidence', 'users', 'system_logs', 'feature_flags']) {
      expect(err.message).toContain(table);
    }
    expect(err.message).toContain('--replace');
    expect(await databaseDigest(other.pool)).toEqual(before);

    await runRestore(other.pool, { file: archive, replace: true, logger });
    expect(await databaseDigest(other.pool)).toEqual(sourceDigest);
    // No audit event for the restored flags, and the matviews show the archive's genes.
    const { rows } = await other.pool.query<{ n: number }>('select count(*)::int as n from gene_scores');
    const { rows: expected } = await source.pool.query<{ n: number }>(
      'select count(*)::int as n from gene_scores',
    );
    expect(rows[0]?.n).toBe(expected[0]?.n);
  });
});

/** A response body without what differs between two calls by nature (timings, the time of the answer). */
function stable(body: unknown): unknown {
  if (Array.isArray(body)) return body.map(stable);
  if (typeof body !== 'object' || body === null) return body;
  return Object.fromEntries(
    Object.entries(body)
      .filter(([key]) => !/(_ms|duration|^timestamp)$/.test(key))
      .map(([key, value]) => [key, stable(value)]),
  );
}
