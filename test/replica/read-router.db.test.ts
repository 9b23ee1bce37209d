import net from 'node:net';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createPool, type Pool } from '../../src/db/pool.js';
import { createReadRouter, REPLICA_CONNECT_TIMEOUT_MS } from '../../src/db/read-pool.js';
import { waitFor } from '../cache/cache-fixture.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

/**
 * The read router without a standby: what it must not fail over (a statement's own error), a replica host
 * that accepts connections but never answers (the connect timeout hands the read to the primary), and a
 * connection that goes silent mid-wait (the replay wait still ends at its cap). The standby itself:
 * read-replica.db.test.ts.
 */

let db: TestDatabase;
/** Accepts TCP connections and says nothing: a host whose PostgreSQL hangs. */
let silent: net.Server;
/** Forwards to the test server until `partitioned`, then swallows every byte both ways: a network partition. */
let proxy: net.Server;
let partitioned = false;
const held = new Set<net.Socket>();
const pools: Pool[] = [];
const lines: { level: number; msg: string }[] = [];
const logger = pino({ level: 'debug' }, { write: (line: string) => lines.push(JSON.parse(line)) });

beforeAll(async () => {
  db = await createTestDatabase(2);
  silent = net.createServer((socket) => {
    held.add(socket);
    socket.on('close', () => held.delete(socket));
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const target = new URL(db.url);
  proxy = net.createServer((client) => {
    const server = net.connect(Number(target.port), target.hostname);
    for (const socket of [client, server]) {
      held.add(socket);
      socket.on('close', () => held.delete(socket));
      socket.on('error', () => {});
    }
    client.on('data', (chunk) => partitioned || server.write(chunk));
    server.on('data', (chunk) => partitioned || client.write(chunk));
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
});

afterAll(async () => {
  // Sockets first: a query stuck behind the partition keeps its pool from ending until its connection does.
  for (const socket of held) socket.destroy();
  for (const pool of pools) await pool.end();
  await new Promise((resolve) => silent?.close(resolve));
  await new Promise((resolve) => proxy?.close(resolve));
  await db?.drop();
});

const pool = (url: string) => {
  const made = createPool({ connectionString: url, max: 2, connectionTimeoutMs: REPLICA_CONNECT_TIMEOUT_MS });
  pools.push(made);
  return made;
};

describe('the read router', () => {
  it('rethrows a statement’s own error without trying the primary or marking the replica down', async () => {
    const router = createReadRouter({ primary: db.pool, replica: pool(db.url), logger });
    await expect(router.query('select * from no_such_table')).rejects.toMatchObject({ code: '42P01' });
    expect(router.status).toBe('up');
    expect(router.stats().fallbacks).toEqual({ unavailable: 0, conflict: 0, down: 0 });
    router.close();
  });

  it('runs named statements on the replica (prepared per connection)', async () => {
    const router = createReadRouter({ primary: db.pool, replica: pool(db.url), logger });
    const statement = { name: 'kgdb_router_test', text: 'select $1::int + 1 as n', values: [1] };
    for (let i = 0; i < 3; i++) expect((await router.query(statement)).rows).toEqual([{ n: 2 }]);
    router.close();
  });

  it('a replica that never answers: the connect timeout sends the read to the primary, then the replica is down', async () => {
    const address = silent.address() as net.AddressInfo;
    const hanging = pool(`postgres://kgdb:secret@127.0.0.1:${address.port}/kgdb`);
    const router = createReadRouter({
      primary: db.pool,
      replica: hanging,
      logger,
      recheck: { initialMs: 50, maxMs: 200 },
    });
    const { rows } = await router.query<{ standby: boolean }>('select pg_is_in_recovery() as standby');
    expect(rows).toEqual([{ standby: false }]);
    expect(router.status).toBe('down');
    expect(router.stats()).toMatchObject({ up: false, fallbacks: { unavailable: 1, conflict: 0, down: 0 } });
    // Down: straight to the primary, no connect attempt.
    await router.query('select 1');
    expect(router.stats().fallbacks.down).toBe(1);
    // The recheck runs on its own and keeps failing: no second "down" line.
    await waitFor('a failed recheck', () => lines.some((l) => l.msg === 'read replica recheck failed'));
    expect(lines.filter((l) => l.msg.startsWith('read replica down'))).toHaveLength(1);
    // With the replica down, a replay wait ends at once.
    await router.waitForReplay();
    expect(router.stats().replayWaits.skipped).toBe(1);
    router.close();
  });

  it('a replica connection that goes silent mid-wait: the replay wait ends at its cap, reads go to the primary', async () => {
    const through = new URL(db.url);
    through.port = String((proxy.address() as net.AddressInfo).port);
    const router = createReadRouter({
      primary: db.pool,
      replica: pool(through.toString()),
      logger,
      // No recheck during the test: the partition would only make it fail again.
      recheck: { initialMs: 600_000, maxMs: 600_000 },
      maxReplayWaitMs: 300,
    });
    // Connected and answering: the pool keeps this connection for the wait below.
    await router.waitForReplay();
    expect(router.stats().replayWaits.caught_up).toBe(1);
    partitioned = true;
    await router.waitForReplay();
    expect(router.stats().replayWaits).toEqual({ caught_up: 1, timed_out: 1, skipped: 0 });
    expect(router.status).toBe('down');
    const down = lines.filter((l) => l.msg.startsWith('read replica down'));
    expect(down.at(-1)).toMatchObject({ cause: 'lagging', maxReplayWaitMs: 300 });
    const { rows } = await router.query<{ standby: boolean }>('select pg_is_in_recovery() as standby');
    expect(rows).toEqual([{ standby: false }]);
    expect(router.stats().fallbacks.down).toBe(1);
    router.close();
  });

  it('a replay wait on a server that is not in recovery ends at once (it holds what it serves)', async () => {
    const router = createReadRouter({ primary: db.pool, replica: pool(db.url), logger });
    await router.waitForReplay();
    expect(router.stats().replayWaits).toEqual({ caught_up: 1, timed_out: 0, skipped: 0 });
    router.close();
  });
});

describe('DATABASE_READ_URL', () => {
  it('is read like DATABASE_URL: a postgres URL or nothing', () => {
    expect(loadConfig({}).databaseReadUrl).toBeUndefined();
    expect(loadConfig({ DATABASE_READ_URL: 'postgresql://r:p@replica:5432/kgdb' }).databaseReadUrl).toBe(
      'postgresql://r:p@replica:5432/kgdb',
    );
    expect(() => loadConfig({ DATABASE_READ_URL: 'mysql://replica/kgdb' })).toThrow(
      "DATABASE_READ_URL: expected a postgres or postgresql URL, got scheme 'mysql'",
    );
    expect(() => loadConfig({ DATABASE_READ_URL: 'replica:5432' })).toThrow('DATABASE_READ_URL');
  });
});
