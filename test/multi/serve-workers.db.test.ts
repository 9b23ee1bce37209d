import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemo } from '../../src/data/demo/seed-demo.js';
import { LOCATION_FILE } from '../../src/db/cluster-location.js';
import { isAlive } from '../../src/db/embedded.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { refreshMaterializedViews } from '../helpers/views.js';
import { type KgdbProcess, metricValue, pidOf, request, startKgdb, waitFor } from './instances.js';

/**
 * `kgdb serve --workers N`: one primary prepares the database and forks N workers that share its port
 * (node:cluster) and each serve as an instance of their own. Observed from outside: which worker answered
 * (X-Kgdb-Instance), their process ids and parents, the primary's log, and the database.
 */

const run = promisify(execFile);
const KGDB = path.resolve(import.meta.dirname, '../../bin/kgdb.js');

/** The parent process id of `pid` (field 4 of /proc/<pid>/stat, after the command name in parentheses). */
async function parentOf(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

/** Asks until `count` different workers have answered (each request on a new connection: round robin). */
async function workersAnswering(origin: string, count: number): Promise<string[]> {
  const seen = new Set<string>();
  await waitFor(`${count} workers to answer`, async () => {
    const answer = await request(origin, '/health');
    expect(answer.status).toBe(200);
    seen.add(answer.instance);
    return seen.size >= count;
  });
  return [...seen];
}

/** The series of GET /health answered 200 in kgdb_http_request_duration_seconds. */
const HEALTH = { route: '/health', method: 'GET', arm: 'none', status_class: '2xx' };

describe('kgdb serve --workers 2 on DATABASE_URL', () => {
  let db: TestDatabase;
  let server: KgdbProcess;
  let workers: string[];

  beforeAll(async () => {
    db = await createTestDatabase();
    await seedDemo(db.pool, { genes: 60, evidence: 120, logs: 0, seed: 3, now: new Date('2025-06-01') });
    await refreshMaterializedViews(db.pool);
    server = await startKgdb('primary', { DATABASE_URL: db.url, KGDB_POOL_SIZE: '3' }, ['--workers', '2']);
  }, 240_000);
  afterAll(async () => {
    await server?.stop('SIGKILL');
    await db?.drop();
  });

  it('both workers answer on the one port, each an instance of its own and a child of the primary', async () => {
    workers = await workersAnswering(server.origin, 2);
    const pids = workers.map(pidOf);
    expect(pids).not.toContain(server.child.pid);
    expect(await Promise.all(pids.map(parentOf))).toEqual([server.child.pid, server.child.pid]);
  });

  it('GET /metrics on either worker answers the sum of both: a request counted once, wherever it landed', async () => {
    const scrape = async () => {
      const answer = await request(server.origin, '/metrics');
      expect(answer.status).toBe(200);
      return {
        ...answer,
        health: metricValue(answer.text, 'kgdb_http_request_duration_seconds_count', HEALTH),
      };
    };
    const before = (await scrape()).health;
    // Each on a new connection: the round robin spreads them, which the instance header shows.
    const served = new Map<string, number>();
    for (let sent = 0; sent < 10 || served.size < 2; sent += 1) {
      expect(sent).toBeLessThan(200);
      const answer = await request(server.origin, '/health');
      expect(answer.status).toBe(200);
      served.set(answer.instance, (served.get(answer.instance) ?? 0) + 1);
    }
    const sent = [...served.values()].reduce((a, b) => a + b, 0);
    expect([...served.keys()].sort()).toEqual([...workers].sort());
    // A worker counts a request once its answer has gone out (onResponse): the last ones may still be on the way.
    await waitFor(
      'every /health request to be counted',
      async () => (await scrape()).health >= before + sent,
    );
    // Both workers answer /metrics with the same total (nothing else requests /health), and gauges add up:
    // KGDB_POOL_SIZE 3 per worker.
    const byWorker = new Map<string, { health: number; poolMax: number }>();
    await waitFor('both workers to answer /metrics', async () => {
      const page = await scrape();
      const poolMax = metricValue(page.text, 'kgdb_db_pool_connections', { state: 'max' });
      byWorker.set(page.instance, { health: page.health, poolMax });
      return byWorker.size === 2;
    });
    expect([...byWorker.values()]).toEqual([
      { health: before + sent, poolMax: 6 },
      { health: before + sent, poolMax: 6 },
    ]);
    console.log(
      `${sent} /health requests answered by the workers ${[...served.values()].join(' + ')}; /metrics of each: +${sent}`,
    );
  });

  it('a worker that crashes is logged and replaced; the other one serves meanwhile', async () => {
    const [victim, survivor] = workers.map(pidOf) as [number, number];
    process.kill(victim, 'SIGKILL');
    // A connection the primary hands to the worker in the instant it dies is lost with it (node:cluster): the
    // client sees no answer. Such requests are given up after a while and counted; the next one goes elsewhere.
    let lost = 0;
    const { ms } = await waitFor('a new worker to answer', async () => {
      const answer = await request(server.origin, '/health', { timeoutMs: 2000 }).catch(() => {
        lost += 1;
        return undefined;
      });
      expect(answer?.status ?? 200).toBe(200);
      return answer !== undefined && ![victim, survivor].includes(pidOf(answer.instance));
    });
    console.log(
      `worker ${victim} killed: a replacement answered ${Math.round(ms)} ms later (${lost} requests unanswered meanwhile)`,
    );
    expect(server.output()).toMatch(
      new RegExp(
        `"pid":${victim},"code":null,"signal":"SIGKILL".*worker exited unexpectedly \\(killed by SIGKILL\\): restarting it`,
      ),
    );
    const now = await workersAnswering(server.origin, 2);
    expect(now.map(pidOf)).toContain(survivor);
    expect(now.map(pidOf)).not.toContain(victim);
    workers = now;
  });

  it('SIGTERM to the primary drains the workers: a request in flight is answered, then all exit', async () => {
    const { rows } = await db.pool.query<{ symbol: string }>(
      `select g.approved_symbol as symbol from genes g
        where exists (select 1 from gene_evidence ge where ge.gene_id = g.id) order by g.id limit 1`,
    );
    const blocker = new pg.Client({ connectionString: db.url });
    await blocker.connect();
    try {
      // The evidence query waits behind this lock: a request in flight for as long as the test wants.
      await blocker.query('begin');
      await blocker.query('lock table gene_evidence in access exclusive mode');
      const inFlight = request(server.origin, `/api/genes/${rows[0]?.symbol}/evidence`);
      await waitFor('the evidence query to wait for the lock', async () => {
        const waiting = await db.pool.query(
          `select 1 from pg_stat_activity
            where datname = current_database() and wait_event_type = 'Lock' and query ilike '%gene_evidence%'`,
        );
        return waiting.rows.length > 0;
      });
      server.child.kill('SIGTERM');
      // Both workers stopped accepting: the port is closed while the request is still running. A probe the
      // primary accepted just as the last worker let go can stay unanswered (node:cluster queues it for a worker
      // that never comes): it counts as not yet, and the next probe finds the port closed.
      await waitFor('the port to close', async () =>
        fetch(`${server.origin}/health`, { signal: AbortSignal.timeout(2_000) }).then(
          () => false,
          (err: Error) => err.name !== 'TimeoutError',
        ),
      );
      await blocker.query('rollback');
      const answer = await inFlight;
      expect(answer.status).toBe(200);
      expect(workers.map(pidOf)).toContain(pidOf(answer.instance));
    } finally {
      await blocker.end();
    }
    expect(await server.exited).toEqual({ code: 0, signal: null });
    expect(workers.map(pidOf).filter(isAlive)).toEqual([]);
    expect(server.output()).not.toMatch(/shutdown failed|still running at the stop timeout/);
  });
});

describe('kgdb serve --workers 2 without DATABASE_URL', () => {
  let dataDir: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'kgdb-workers-'));
    // The embedded server runs as the unprivileged postgres user when we are root: it must reach the folder.
    await chmod(dataDir, 0o755);
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('the primary alone runs the embedded server, the workers serve from it, and a stop ends both', async () => {
    const server = await startKgdb('embedded', { KGDB_DATA_DIR: dataDir, KGDB_POOL_SIZE: '2' }, [
      '--workers',
      '2',
    ]);
    try {
      const location = path.join(dataDir, LOCATION_FILE);
      const clusterDir = existsSync(location)
        ? (JSON.parse(await readFile(location, 'utf8')) as { clusterDir: string }).clusterDir
        : path.join(dataDir, 'pg');
      const postmaster = Number(
        (await readFile(path.join(clusterDir, 'postmaster.pid'), 'utf8')).split('\n')[0],
      );
      expect(isAlive(postmaster)).toBe(true);
      const workers = await workersAnswering(server.origin, 2);
      expect((await request(server.origin, '/api/genes/')).status).toBe(200);

      expect(await server.stop('SIGTERM')).toEqual({ code: 0, signal: null });
      expect([postmaster, ...workers.map(pidOf)].filter(isAlive)).toEqual([]);
    } finally {
      await server.stop('SIGKILL');
    }
  }, 240_000);
});

describe('kgdb serve --workers: bad counts', () => {
  const serve = async (args: string[], env: Record<string, string> = {}) => {
    try {
      await run(process.execPath, [KGDB, 'serve', ...args], {
        // Nothing listens there: a count that got as far as the database would fail differently.
        env: { ...process.env, KGDB_TSX: '1', DATABASE_URL: 'postgres://kgdb@127.0.0.1:1/none', ...env },
      });
    } catch (raw) {
      const { code, stderr } = raw as { code: number; stderr: string };
      return { code, stderr };
    }
    throw new Error('kgdb serve succeeded');
  };
  const allowed = `a whole number from 1 to 64, or auto (one per CPU: ${os.availableParallelism()} here)`;

  it('--workers outside 1..64, or not a number, fails at once naming the flag and the range', async () => {
    expect(await serve(['--workers', '0'])).toEqual({
      code: 1,
      stderr: `INVALID_PARAMETER: --workers must be ${allowed}, got '0'\n`,
    });
    expect((await serve(['--workers', '65'])).stderr).toBe(
      `INVALID_PARAMETER: --workers must be ${allowed}, got '65'\n`,
    );
  });

  it('so does KGDB_WORKERS', async () => {
    expect(await serve([], { KGDB_WORKERS: 'two' })).toEqual({
      code: 1,
      stderr: `INVALID_PARAMETER: KGDB_WORKERS must be ${allowed}, got 'two'\n`,
    });
  });
});
