import { execFile, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chmod, cp, mkdir, mkdtemp, readFile, realpath, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { LOCATION_FILE, RELOCATION_ROOT, relocatedClusterDir } from '../../src/db/cluster-location.js';
import { isAlive, startEmbeddedPostgres } from '../../src/db/embedded.js';
import { packagedBinaries, reachableBinaries } from '../../src/db/server-binaries.js';
import { postgresUser } from '../../src/db/server-user.js';
import { createLogger } from '../../src/logger.js';
import { query, startOwner } from './embedded-owner.js';

// As root the postmaster runs as the 'postgres' OS user. A data dir that user cannot reach (a checkout in
// /root, a `mktemp -d` folder, both mode 0700) keeps its cluster under /var/lib/kgdb instead.

const ROOT = path.resolve(import.meta.dirname, '../..');
const logger = createLogger('silent');
const isRoot = os.userInfo().uid === 0;
const SKIP_REASON =
  'not running as root: the postgres OS user and /var/lib/kgdb only come into play as root; skipping the relocation tests';
if (!isRoot) console.warn(SKIP_REASON);

const cleanup: string[] = [];
afterAll(async () => {
  for (const dir of cleanup) await rm(dir, { recursive: true, force: true });
});

/** A `mktemp -d` folder: mode 0700, owned by root. */
async function privateDir(): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'kgdb-private-'));
  cleanup.push(dir);
  expect((await stat(dir)).mode & 0o777).toBe(0o700);
  return dir;
}

/** Reads the record and schedules its relocated cluster (the `<hash>` directory) for removal. */
async function recordedClusterDir(dataDir: string): Promise<string> {
  const record = JSON.parse(await readFile(path.join(dataDir, LOCATION_FILE), 'utf8'));
  cleanup.push(path.dirname(record.clusterDir));
  return record.clusterDir;
}

describe.skipIf(!isRoot)('embedded PostgreSQL in a directory the postgres user cannot reach (root)', () => {
  it('a data dir inside a fresh mktemp -d: the cluster goes to /var/lib/kgdb/<hash>/pg, recorded in the data dir', async () => {
    const tmp = await privateDir();
    const dataDir = path.join(tmp, 'data');
    const server = await startEmbeddedPostgres({ dataDir, logger });
    const clusterDir = await recordedClusterDir(dataDir);
    try {
      expect(clusterDir).toBe(relocatedClusterDir(await realpath(dataDir)));
      expect(clusterDir.startsWith(`${RELOCATION_ROOT}/`)).toBe(true);
      expect(existsSync(path.join(clusterDir, 'PG_VERSION'))).toBe(true);
      expect(existsSync(path.join(dataDir, 'pg'))).toBe(false);
      // The credentials stay in the data dir; the user's directory keeps its mode.
      expect(existsSync(path.join(dataDir, 'embedded.json'))).toBe(true);
      expect((await stat(tmp)).mode & 0o777).toBe(0o700);
      expect((await readFile(path.join(path.dirname(clusterDir), 'data-dir'), 'utf8')).trim()).toBe(dataDir);
      await query(server.url, 'create table kept (v int); insert into kept values (7)');
    } finally {
      await server.stop();
    }
    const again = await startEmbeddedPostgres({ dataDir, logger });
    try {
      expect(await query(again.url, 'select v from kept')).toEqual([{ v: 7 }]);
    } finally {
      await again.stop();
    }
  });

  it('a deleted data dir recreated at the same path: the old cluster is moved aside, a fresh one starts', async () => {
    const dataDir = path.join(await privateDir(), 'data');
    const first = await startEmbeddedPostgres({ dataDir, logger });
    const clusterDir = await recordedClusterDir(dataDir);
    await query(first.url, 'create table old_data (v int)');
    await first.stop();
    // The user removes the data dir, credentials and record with it; the relocated cluster stays behind.
    await rm(dataDir, { recursive: true, force: true });
    const fresh = await startEmbeddedPostgres({ dataDir, logger });
    try {
      expect(await recordedClusterDir(dataDir)).toBe(clusterDir);
      expect(await query(fresh.url, "select to_regclass('old_data') as t")).toEqual([{ t: null }]);
      const aside = readdirSync(path.dirname(clusterDir)).filter((name) => name.startsWith('pg.orphaned-'));
      expect(aside).toHaveLength(1);
    } finally {
      await fresh.stop();
    }
  });

  it('a second process finds the running relocated cluster through the record and attaches to it', async () => {
    const dataDir = path.join(await privateDir(), 'data');
    const owner = await startOwner(dataDir);
    const clusterDir = await recordedClusterDir(dataDir);
    const postmasterPid = Number(
      (await readFile(path.join(clusterDir, 'postmaster.pid'), 'utf8')).split('\n')[0],
    );
    try {
      const attached = await startEmbeddedPostgres({ dataDir, logger });
      expect(attached.owned).toBe(false);
      expect(attached.url).toBe(owner.url);
      await attached.stop();
    } finally {
      process.kill(owner.pid, 'SIGKILL');
      // The owner died without stopping its postmaster; stop it before its directory is removed.
      process.kill(postmasterPid, 'SIGINT');
      while (isAlive(postmasterPid)) await new Promise((r) => setTimeout(r, 50));
    }
  });

  it('the default .kgdb of a checkout under a HOME=/root style private directory: kgdb migrate and a second command', async () => {
    const home = path.join(await privateDir(), 'root');
    await mkdir(home, { mode: 0o700 });
    const checkout = path.join(home, 'kgdb');
    await mkdir(checkout);
    const { DATABASE_URL: _url, KGDB_DATA_DIR: _dir, ...env } = process.env;
    const kgdb = (...args: string[]) =>
      promisify(execFile)(process.execPath, [path.join(ROOT, 'bin/kgdb.js'), ...args], {
        cwd: checkout,
        env: { ...env, HOME: home, LOG_LEVEL: 'warn' },
      });
    const migrated = await kgdb('migrate');
    expect(migrated.stdout).toContain('0001_core-tables');
    const dataDir = path.join(checkout, '.kgdb');
    const clusterDir = await recordedClusterDir(dataDir);
    // One warning line says where the cluster went.
    expect(migrated.stderr).toContain(`the embedded cluster lives in ${clusterDir}`);
    const listed = await kgdb('flags', 'list');
    expect(listed.stdout).toContain('use_database_views');
    expect(listed.stderr).not.toContain('cannot reach');
    expect((await stat(home)).mode & 0o777).toBe(0o700);
  });
});

describe.skipIf(!isRoot)(
  'PostgreSQL binaries inside a checkout the postgres user cannot reach (root)',
  () => {
    /** `postgres --version` run as the postgres OS user: what initdb and the postmaster need to work. */
    const versionAsPostgres = (postgres: string) => {
      const user = postgresUser();
      if (!user) throw new Error('no postgres OS user (global setup creates it)');
      return spawnSync(postgres, ['--version'], { ...user, encoding: 'utf8' });
    };

    it('are copied once to <root>/bin/<version>-<digest> and run from there; a second start reuses the copy', async () => {
      const packaged = await packagedBinaries();
      const packageDir = path.dirname(path.dirname(path.dirname(packaged.postgres)));
      const checkout = path.join(await privateDir(), 'node_modules', 'pkg');
      await cp(packageDir, checkout, { recursive: true, verbatimSymlinks: true });
      const inCheckout = {
        initdb: path.join(checkout, path.relative(packageDir, packaged.initdb)),
        postgres: path.join(checkout, path.relative(packageDir, packaged.postgres)),
      };
      // Without the copy, the postgres user cannot even start the program.
      expect(versionAsPostgres(inCheckout.postgres).error).toMatchObject({ code: 'EACCES' });

      const root = await mkdtemp(path.join(os.tmpdir(), 'kgdb-binroot-'));
      cleanup.push(root);
      await chmod(root, 0o755);
      const lines: string[] = [];
      const recording = pino({ level: 'info' }, { write: (line: string) => lines.push(line) });
      const relocated = await reachableBinaries(inCheckout, postgresUser(), recording, root);
      expect(path.dirname(path.dirname(relocated.postgres))).toMatch(
        new RegExp(`^${root}/bin/[^/]+-[0-9a-f]{16}$`),
      );
      expect(path.basename(relocated.initdb)).toBe('initdb');
      const run = versionAsPostgres(relocated.postgres);
      expect(run.error).toBeUndefined();
      expect(run.stdout).toMatch(/^postgres \(PostgreSQL\) \d+/);
      expect(lines.filter((l) => l.includes('running PostgreSQL from a copy'))).toHaveLength(1);

      const again = await reachableBinaries(inCheckout, postgresUser(), recording, root);
      expect(again).toEqual(relocated);
      expect(lines.filter((l) => l.includes('running PostgreSQL from a copy'))).toHaveLength(1);
      expect(readdirSync(path.join(root, 'bin'))).toHaveLength(1);
    });
  },
);

describe.skipIf(!isRoot)('a cluster already in an unreachable data dir (root)', () => {
  it('is named in an error rather than replaced by an empty relocated one', async () => {
    const dataDir = path.join(await privateDir(), 'data');
    await mkdir(path.join(dataDir, 'pg'), { recursive: true });
    await writeFile(path.join(dataDir, 'pg', 'PG_VERSION'), '17\n');
    await expect(startEmbeddedPostgres({ dataDir, logger })).rejects.toThrow(
      `${dataDir}/pg holds a PostgreSQL cluster the postgres OS user cannot reach`,
    );
    expect(existsSync(path.join(dataDir, LOCATION_FILE))).toBe(false);
  });
});
