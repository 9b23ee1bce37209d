import { spawn } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAlive, startEmbeddedPostgres } from '../../src/db/embedded.js';
import { createLogger } from '../../src/logger.js';

// Issue 2 item 2: a persistent data directory that survives a restart and a kill -9 of its owner.

const FIXTURE = path.resolve(import.meta.dirname, '../fixtures/start-embedded.ts');
const logger = createLogger('silent');
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'kgdb-embedded-'));
  await chmod(dataDir, 0o755);
});
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

async function query(url: string, sql: string): Promise<unknown[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

/** Starts the server in a child process (its owner) and resolves with the child and the URL it printed. */
function startOwner(): Promise<{ pid: number; url: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', FIXTURE, dataDir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      if (out.includes('\n') && child.pid) resolve({ pid: child.pid, url: out.trim() });
    });
    child.stderr.on('data', (chunk) => {
      err += chunk;
    });
    child.on('exit', (code) => reject(new Error(`owner exited with ${code}: ${err}`)));
  });
}

describe('embedded PostgreSQL', () => {
  it('keeps its data across a stop and a start', async () => {
    const first = await startEmbeddedPostgres({ dataDir, logger });
    await query(first.url, 'create table kept (v int); insert into kept values (42)');
    await first.stop();
    const second = await startEmbeddedPostgres({ dataDir, logger });
    expect(await query(second.url, 'select v from kept')).toEqual([{ v: 42 }]);
    await second.stop();
  });

  it('after a kill -9 of its owner, the next start stops the orphaned postmaster and starts afresh', async () => {
    const owner = await startOwner();
    const postmasterPid = Number(
      (await readFile(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8')).split('\n')[0],
    );
    process.kill(owner.pid, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 200));
    // The postmaster outlived its owner: an orphan holding the data directory.
    expect(isAlive(postmasterPid)).toBe(true);

    const next = await startEmbeddedPostgres({ dataDir, logger });
    try {
      expect(next.owned).toBe(true);
      expect(await query(next.url, 'select v from kept')).toEqual([{ v: 42 }]);
      // Gone, or a zombie nobody reaps (PID 1 here does not): dead either way.
      expect(isAlive(postmasterPid)).toBe(false);
    } finally {
      await next.stop();
    }
  });
});
