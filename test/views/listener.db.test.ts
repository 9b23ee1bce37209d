import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createListener, type Listener } from '../../src/db/listener.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

let db: TestDatabase;
const listeners: Listener[] = [];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function waitFor(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 5_000,
): Promise<void> {
  const t0 = Date.now();
  while (!(await check())) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}
const backends = async (app: string) =>
  (
    await db.pool.query<{ n: number }>(
      `select count(*)::int as n from pg_stat_activity where datname = current_database() and application_name = $1`,
      [app],
    )
  ).rows[0]?.n;

beforeAll(async () => {
  db = await createTestDatabase(2);
});
afterAll(async () => {
  for (const l of listeners) await l.close();
  await db?.drop();
});

describe('reconnecting listener (the one LISTEN helper)', () => {
  it('delivers notifications, reconnects after the backend is killed, and calls onConnected each time', async () => {
    const received: string[] = [];
    const connects: boolean[] = [];
    const events: string[] = [];
    const listener = createListener({
      connection: db.pool.options,
      channels: ['kgdb_test'],
      applicationName: 'kgdb-test-listener',
      backoff: { initialMs: 20, maxMs: 200 },
      onNotification: (channel, payload) => received.push(`${channel}:${payload}`),
      onConnected: ({ reconnect }) => {
        connects.push(reconnect);
      },
    });
    listeners.push(listener);
    listener.events.on('connected', () => events.push('connected'));
    listener.events.on('disconnected', () => events.push('disconnected'));
    listener.events.on('error', () => events.push('error'));
    await listener.start();
    expect(listener.connected).toBe(true);
    expect(connects).toEqual([false]);

    // NOTIFY is delivered at commit and de-duplicated within one transaction.
    await db.pool.query(
      `select pg_notify('kgdb_test', 'a'), pg_notify('kgdb_test', 'a'), pg_notify('other', 'x')`,
    );
    await waitFor('the notification', () => received.length === 1);

    await db.pool.query(
      `select pg_terminate_backend(pid) from pg_stat_activity
        where datname = current_database() and application_name = 'kgdb-test-listener'`,
    );
    await waitFor('the reconnect', () => connects.length === 2);
    expect(connects).toEqual([false, true]);
    expect(events.slice(0, 3)).toEqual(['connected', 'disconnected', 'connected']);

    await db.pool.query(`select pg_notify('kgdb_test', 'b')`);
    await waitFor('the notification after reconnect', () => received.length === 2);
    expect(received).toEqual(['kgdb_test:a', 'kgdb_test:b']);

    await listener.close();
    expect(listener.connected).toBe(false);
    await waitFor('the backend to go away', async () => (await backends('kgdb-test-listener')) === 0);
  });

  it('keeps retrying with backoff while the server is unreachable, and close() stops it', async () => {
    const errors: Error[] = [];
    const delays: number[] = [];
    const listener = createListener({
      connection: { host: '127.0.0.1', port: 1, user: 'nobody', database: 'none' },
      channels: ['kgdb_test'],
      backoff: { initialMs: 10, maxMs: 40 },
      random: () => 1,
      onNotification: () => {},
    });
    listeners.push(listener);
    listener.events.on('error', (err) => errors.push(err));
    listener.events.on('reconnecting', ({ delayMs }) => delays.push(delayMs));
    const starting = listener.start();
    await waitFor('a few attempts', () => delays.length >= 4);
    await listener.close();
    await starting;
    expect(delays.slice(0, 4)).toEqual([10, 20, 40, 40]);
    expect(errors[0]?.message).toMatch(/ECONNREFUSED/);
    expect(listener.connected).toBe(false);
  });
});
