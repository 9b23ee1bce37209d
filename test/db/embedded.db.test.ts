import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAlive, startEmbeddedPostgres } from '../../src/db/embedded.js';
import { createLogger } from '../../src/logger.js';
import { query, startOwner } from './embedded-owner.js';

// A persistent data directory that survives a restart and a kill -9 of its owner.

const logger = createLogger('silent');
let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'kgdb-embedded-'));
  await chmod(dataDir, 0o755);
});
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

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
    const owner = await startOwner(dataDir);
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
