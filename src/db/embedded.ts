import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { chown, mkdir, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import net from 'node:net';

import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { toError } from '../errors.js';
import type { Logger } from '../logger.js';
import { CREDENTIALS_FILE, resolveClusterLocation } from './cluster-location.js';
import { packagedBinaries, reachableBinaries, type ServerBinaries } from './server-binaries.js';
import { ensureServerUser, type ServerUser } from './server-user.js';

/** A running PostgreSQL this process can connect to, and how to stop it (a no-op when we only attached). */
export interface EmbeddedServer {
  url: string;
  /** True when this process started the server and so must stop it. */
  owned: boolean;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  dataDir: string;
  logger: Logger;
  database?: string;
  /** Extra `-c name=value` server settings (tests turn fsync off). */
  settings?: Record<string, string>;
}

interface State {
  password: string;
  /** The kgdb process that started the cluster; a dead owner with a live postmaster means an orphan. */
  ownerPid?: number;
}

const BASE_SETTINGS: Record<string, string> = {
  listen_addresses: '127.0.0.1',
  // TCP only: no socket lock files in /tmp to go stale after a kill -9.
  unix_socket_directories: '',
  max_connections: '200',
  shared_buffers: '256MB',
  // A crash may lose the last few commits of a local dev database, never corrupt it; bulk seeding is ~2× faster.
  synchronous_commit: 'off',
};

/** A zombie (killed, not yet reaped by its parent) still answers kill(pid, 0) but is dead for our purposes. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (raw) {
    return (raw as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true;
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** postmaster.pid: line 1 is the pid, line 4 the port. */
async function readPostmaster(clusterDir: string): Promise<{ pid: number; port: number } | undefined> {
  const file = path.join(clusterDir, 'postmaster.pid');
  if (!existsSync(file)) return undefined;
  const lines = (await readFile(file, 'utf8')).split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  return Number.isInteger(pid) && pid > 0 ? { pid, port } : undefined;
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return true;
    await sleep(100);
  }
  return !isAlive(pid);
}

async function readState(file: string): Promise<State> {
  if (existsSync(file)) return JSON.parse(await readFile(file, 'utf8')) as State;
  const state: State = { password: randomBytes(18).toString('hex') };
  await writeFile(file, JSON.stringify(state), { mode: 0o600 });
  return state;
}

const writeState = (file: string, state: State) => writeFile(file, JSON.stringify(state), { mode: 0o600 });

function urlFor(password: string, port: number, database: string): string {
  return `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${encodeURIComponent(database)}`;
}

async function ensureDatabase(password: string, port: number, database: string): Promise<void> {
  const client = new pg.Client({ connectionString: urlFor(password, port, 'postgres') });
  await client.connect();
  try {
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [database]);
    if (rowCount === 0) await client.query(`create database ${client.escapeIdentifier(database)}`);
  } catch (raw) {
    // Another process created it between our check and our create.
    if ((raw as { code?: string }).code !== '42P04') throw raw;
  } finally {
    await client.end();
  }
}

/** English server messages: readiness is read from the log. */
const serverEnv = () => ({ ...process.env, LC_MESSAGES: 'C' });

/** Runs a PostgreSQL program (as `user` when given), feeding its output to onLog; rejects with its stderr. */
function runProgram(
  program: string,
  args: readonly string[],
  user: ServerUser | undefined,
  onLog: (m: unknown) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { ...user, stdio: ['ignore', 'pipe', 'pipe'], env: serverEnv() });
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => onLog(chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
      onLog(chunk.toString('utf8'));
    });
    // A spawn failure (EACCES on the binary, ENOENT) arrives here, not as an exit.
    child.once('error', reject);
    child.once('close', (code, signal) =>
      code === 0
        ? resolve()
        : reject(
            new Error(`${path.basename(program)} failed (code ${code}, signal ${signal}): ${stderr.trim()}`),
          ),
    );
  });
}

/**
 * initdb with scram-sha-256 and the generated password, run as the server user. The password file sits
 * beside the cluster directory (a place that user can reach), readable by that user alone, and is removed
 * whatever initdb does.
 */
async function initialiseCluster(
  binaries: ServerBinaries,
  clusterDir: string,
  password: string,
  user: ServerUser | undefined,
  onLog: (m: unknown) => void,
): Promise<void> {
  await mkdir(clusterDir, { recursive: true, mode: 0o700 });
  const passwordFile = path.join(
    path.dirname(clusterDir),
    `.initdb-password-${randomBytes(6).toString('hex')}`,
  );
  await writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
  try {
    if (user) {
      await chown(clusterDir, user.uid, user.gid);
      await chown(passwordFile, user.uid, user.gid);
    }
    await runProgram(
      binaries.initdb,
      [
        `--pgdata=${clusterDir}`,
        '--auth=scram-sha-256',
        '--username=postgres',
        `--pwfile=${passwordFile}`,
        '--encoding=UTF8',
        '--locale=C',
      ],
      user,
      onLog,
    );
  } finally {
    await rm(passwordFile, { force: true });
  }
}

/**
 * Spawns the postmaster in its own process group (detached), unlike the library's start(): a terminal's
 * Ctrl-C then reaches kgdb alone, which drains requests and closes the pool before it stops PostgreSQL.
 */
async function spawnPostmaster(
  binaries: ServerBinaries,
  user: ServerUser | undefined,
  clusterDir: string,
  port: number,
  settings: Record<string, string>,
  onLog: (m: unknown) => void,
): Promise<ChildProcess> {
  const args = [
    '-D',
    clusterDir,
    '-p',
    String(port),
    ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`]),
  ];
  const child = spawn(binaries.postgres, args, {
    ...user,
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: serverEnv(),
  });
  await new Promise<void>((resolve, reject) => {
    let ready = false;
    child.stderr?.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      onLog(text);
      if (!ready && text.includes('ready to accept connections')) {
        ready = true;
        resolve();
      }
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (!ready) reject(new Error(`postgres exited before it was ready (code ${code}, signal ${signal})`));
    });
  });
  return child;
}

/** Fast shutdown (SIGINT: roll back open transactions, checkpoint, exit); waits for the process to end. */
async function stopPostmaster(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGINT');
  await exited;
}

/**
 * Starts (or attaches to) the embedded cluster of `dataDir`: `dataDir/pg`, or where cluster-location.ts
 * put it when the postgres OS user cannot reach dataDir. Handles what a kill -9 leaves behind:
 * a stale postmaster.pid is removed; a postmaster whose kgdb owner died is stopped and started afresh;
 * a postmaster whose owner is alive is shared (a CLI command while `npm start` runs).
 */
export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedServer> {
  const { dataDir, logger, database = 'kgdb' } = options;
  // As root the cluster runs as this OS user: where it can live and which binaries it can run depend on it.
  const user = ensureServerUser();
  const { clusterDir } = await resolveClusterLocation(dataDir, user, logger);
  const stateFile = path.join(dataDir, CREDENTIALS_FILE);
  const state = await readState(stateFile);

  const running = await readPostmaster(clusterDir);
  if (running && isAlive(running.pid)) {
    if (state.ownerPid && state.ownerPid !== process.pid && isAlive(state.ownerPid)) {
      logger.info(
        { port: running.port, ownerPid: state.ownerPid },
        'attaching to running embedded PostgreSQL',
      );
      await ensureDatabase(state.password, running.port, database);
      return { url: urlFor(state.password, running.port, database), owned: false, stop: async () => {} };
    }
    logger.warn({ pid: running.pid }, 'stopping orphaned embedded PostgreSQL left by a killed kgdb process');
    process.kill(running.pid, 'SIGINT');
    if (!(await waitForExit(running.pid, 30_000))) {
      throw new Error(`Orphaned PostgreSQL (pid ${running.pid}) did not stop within 30 s; stop it and retry`);
    }
  } else if (running) {
    await unlink(path.join(clusterDir, 'postmaster.pid')).catch(() => {});
  }

  const recent: string[] = [];
  const remember = (message: unknown) => {
    const text = String(message).trim();
    recent.push(text);
    if (recent.length > 30) recent.shift();
    logger.debug({ postgres: text }, 'postgres');
  };
  const port = await freePort();
  const settings = { ...BASE_SETTINGS, ...options.settings };
  let postmaster: ChildProcess;
  try {
    const binaries = await reachableBinaries(await packagedBinaries(), user, logger);
    if (!existsSync(path.join(clusterDir, 'PG_VERSION'))) {
      // A half-finished initdb leaves a directory initdb refuses to reuse.
      await rm(clusterDir, { recursive: true, force: true });
      logger.info({ clusterDir }, 'initialising embedded PostgreSQL cluster');
      await initialiseCluster(binaries, clusterDir, state.password, user, remember);
    }
    postmaster = await spawnPostmaster(binaries, user, clusterDir, port, settings, remember);
  } catch (raw) {
    const err = toError(raw);
    throw new Error(
      `Embedded PostgreSQL failed to start in ${clusterDir}: ${err.message || 'server exited'}\n${recent.join('\n')}`,
      { cause: raw },
    );
  }
  await writeState(stateFile, { ...state, ownerPid: process.pid });
  // If the process exits without stop() (an uncaught error), ask the postmaster for a fast shutdown; a
  // kill -9 skips this too, and the next start stops the orphan.
  const stopOnExit = () => {
    if (postmaster.exitCode === null && postmaster.signalCode === null) postmaster.kill('SIGINT');
  };
  process.on('exit', stopOnExit);
  await ensureDatabase(state.password, port, database);
  logger.info({ port, clusterDir }, 'embedded PostgreSQL started');

  return {
    url: urlFor(state.password, port, database),
    owned: true,
    stop: async () => {
      process.removeListener('exit', stopOnExit);
      await stopPostmaster(postmaster);
      await writeState(stateFile, { password: state.password });
    },
  };
}
