import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appliedMigrations } from '../../src/backup/catalog.js';
import { knownMigrations } from '../../src/backup/migrate-in-transaction.js';
import { seedDemo } from '../../src/data/demo/seed-demo.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { databaseDigest, emptyDatabase, scratchFolder, waitFor } from './backup-fixture.js';

// The commands as processes: their one-line summaries, and a restore killed with SIGKILL in the middle of its
// COPY, which must leave the target exactly as it was.

const CLI = path.resolve(import.meta.dirname, 'backup-cli.ts');
let source: TestDatabase;
let folder: Awaited<ReturnType<typeof scratchFolder>>;
let archive: string;

interface Run {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function kgdb(databaseUrl: string, ...args: string[]): Run {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], {
    env: { ...process.env, DATABASE_URL: databaseUrl, KGDB_DATA_DIR: folder.dir, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

beforeAll(async () => {
  source = await createTestDatabase();
  // Enough log rows that the restore spends a while in COPY.
  await seedDemo(source.pool, { genes: 1_000, evidence: 5_000, logs: 30_000, seed: 8 });
  folder = await scratchFolder();
  archive = path.join(folder.dir, 'source.tgz');
  const backup = kgdb(source.url, 'backup', archive);
  expect(await backup.exited, backup.stderr()).toEqual({ code: 0, signal: null });
  expect(backup.stdout()).toMatch(
    new RegExp(`^backup: \\d+ tables, [\\d,]+ rows, [\\d.]+ [kM]B in [\\d.]+ s → ${archive}\\n$`),
  );
});
afterAll(async () => {
  await source?.drop();
  await folder?.remove();
});

describe('kgdb backup / restore as commands', () => {
  it('restore into an empty database prints its one-line summary and exits 0', async () => {
    const target = await emptyDatabase();
    try {
      const run = kgdb(target.url, 'restore', archive);
      expect(await run.exited, run.stderr()).toEqual({ code: 0, signal: null });
      expect(run.stdout()).toMatch(
        new RegExp(`^restore: \\d+ tables, [\\d,]+ rows, [\\d.]+ MB in [\\d.]+ s ← ${archive}\\n$`),
      );
      expect(await appliedMigrations(target.pool)).toEqual(await knownMigrations());
      const { rows } = await target.pool.query<{ n: number }>('select count(*)::int as n from system_logs');
      expect(rows[0]?.n).toBe(30_000);
    } finally {
      await target.drop();
    }
  });

  it('a missing FILE is refused before any database is opened', async () => {
    const missing = path.join(folder.dir, 'typo.tgz');
    // Nothing listens on port 1: opening the database first would fail differently.
    const run = kgdb('postgres://kgdb@127.0.0.1:1/kgdb', 'restore', missing);
    expect(await run.exited).toEqual({ code: 1, signal: null });
    expect(run.stderr()).toBe(`INVALID_INPUT: ${missing} does not exist\n`);
  });

  it('a second restore without --replace exits 1 with CODE: message naming the tables', async () => {
    const run = kgdb(source.url, 'restore', archive);
    expect(await run.exited).toEqual({ code: 1, signal: null });
    expect(run.stdout()).toBe('');
    expect(run.stderr()).toMatch(/^CONFLICT: the target database is not empty: .*genes.* hold rows/m);
  });

  it('a restore killed with SIGKILL while copying leaves the target as it was', async () => {
    const target = await createTestDatabase();
    try {
      await seedDemo(target.pool, { genes: 40, evidence: 80, logs: 100, seed: 9 });
      const before = await databaseDigest(target.pool);
      const run = kgdb(target.url, 'restore', '--replace', archive);
      // The restore is inside its transaction once a COPY into the target runs: its tables are truncated.
      const pid = await waitFor('the restore copying into the target', async () => {
        if (run.child.exitCode !== null) throw new Error(`the restore ended early: ${run.stderr()}`);
        const { rows } = await target.pool.query<{ pid: number }>(
          `select pid from pg_stat_activity
            where datname = current_database() and state = 'active' and query like 'copy %from stdin'`,
        );
        return rows[0]?.pid;
      });
      run.child.kill('SIGKILL');
      expect(await run.exited).toEqual({ code: null, signal: 'SIGKILL' });
      await waitFor('the killed restore’s session to end', async () => {
        const { rows } = await target.pool.query('select 1 from pg_stat_activity where pid = $1', [pid]);
        return rows.length === 0 ? true : undefined;
      });
      expect(await databaseDigest(target.pool)).toEqual(before);
    } finally {
      await target.drop();
    }
  });
});
