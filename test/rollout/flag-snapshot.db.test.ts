import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, type Pool } from '../../src/db/pool.js';
import { createFlagSnapshot, type FlagSnapshot } from '../../src/rollout/flags/flag-snapshot.js';
import { createFlagStore, type FlagStore } from '../../src/rollout/flags/flag-store.js';
import type { Flag } from '../../src/rollout/flags/flag-types.js';
import { createTestDatabase, startFlagsAtZero, type TestDatabase } from '../helpers/db.js';

/** One "server instance": its own pool, store, snapshot and LISTEN client. */
interface Instance {
  name: string;
  pool: Pool;
  store: FlagStore;
  snapshot: FlagSnapshot;
}

let db: TestDatabase;
let a: Instance;
let b: Instance;
const tag = randomBytes(3).toString('hex');

async function startInstance(label: string, pollMs: number): Promise<Instance> {
  const name = `kgdb-flags-${label}-${tag}`;
  const pool = createPool({ connectionString: db.url, max: 2 });
  const store = createFlagStore(pool);
  const snapshot = createFlagSnapshot({
    store,
    connection: { connectionString: db.url },
    applicationName: name,
    pollMs,
  });
  await snapshot.start();
  return { name, pool, store, snapshot };
}

/**
 * Waits until the predicate holds, or fails after a generous deadline (a busy machine may take seconds).
 * The deadline stays below the 60 s poll, so what arrives came through NOTIFY; how fast it usually arrives
 * is measured by bench/propagation-bench.ts, not asserted here.
 */
async function until(predicate: () => boolean, deadlineMs = 30_000): Promise<void> {
  const t0 = performance.now();
  while (!predicate()) {
    if (performance.now() - t0 > deadlineMs) throw new Error(`not seen within ${deadlineMs} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const flagOf = (i: Instance, key: string): Flag | undefined => i.snapshot.get(key);

beforeAll(async () => {
  db = await createTestDatabase();
  await startFlagsAtZero(db.pool);
  // A poll of a minute: what these tests see within 1 s came through NOTIFY or a reconnect reload.
  a = await startInstance('a', 60_000);
  b = await startInstance('b', 60_000);
});
afterAll(async () => {
  for (const i of [a, b]) {
    await i?.snapshot.stop();
    await i?.pool.end();
  }
  await db.drop();
});

describe('docs/rollout.md: changes reach every running instance by NOTIFY', () => {
  it('both snapshots start with the seeded flags, loaded before start() resolves', () => {
    for (const i of [a, b]) {
      expect(i.snapshot.loadedAt).toBeInstanceOf(Date);
      expect(flagOf(i, 'use_database_views')).toMatchObject({ strategy: 'gradual', step: 0 });
    }
  });

  it('a change through one instance (as its API makes it) is applied by the other from its notification', async () => {
    const applied: string[] = [];
    b.snapshot.events.on('applied', (e) => applied.push(`${e.key}:${e.cause}`));
    await a.store.advance('use_database_views', { actor: 'user:alice', reason: 'start the rollout' });
    expect(flagOf(a, 'use_database_views')?.step).toBe(1); // its own change applies at once
    await until(() => flagOf(b, 'use_database_views')?.step === 1);
    expect(applied).toContain('use_database_views:notify');
  });

  it('a plain SQL UPDATE is seen by both', async () => {
    await db.pool.query(`update feature_flags set percentage = 33.333 where key = 'enable_shadow_testing'`);
    await until(() => [a, b].every((i) => flagOf(i, 'enable_shadow_testing')?.percentage === 33.333));
  });

  it('plain SQL inserts and deletes appear and disappear', async () => {
    await db.pool.query(
      `insert into feature_flags (key, strategy, enabled) values ('brand_new', 'on', true)`,
    );
    await until(() => b.snapshot.evaluate('brand_new').value === true);
    await db.pool.query(`delete from feature_flags where key = 'brand_new'`);
    await until(() => b.snapshot.get('brand_new') === undefined);
  });

  it('evaluation agrees across instances for the same stickiness key', () => {
    for (let i = 0; i < 500; i++) {
      const ctx = { targetingKey: `user:${i}` };
      expect(a.snapshot.evaluate('enable_shadow_testing', ctx)).toEqual(
        b.snapshot.evaluate('enable_shadow_testing', ctx),
      );
    }
  });

  it('a listener reconnect (backend terminated) triggers a full reload that catches missed changes', async () => {
    const reconnected = new Promise<void>((resolve) => {
      b.snapshot.events.on('reloaded', ({ cause }) => cause === 'reconnect' && resolve());
    });
    const { rows } = await db.pool.query<{ ok: boolean }>(
      'select pg_terminate_backend(pid) as ok from pg_stat_activity where application_name = $1',
      [b.name],
    );
    expect(rows).toEqual([{ ok: true }]);
    // Written while b's listener is (most likely) down: its NOTIFY is lost to b, the reconnect reload is not.
    await db.pool.query(`update feature_flags set enabled = false where key = 'enable_shadow_testing'`);
    await reconnected;
    await until(() => flagOf(b, 'enable_shadow_testing')?.enabled === false);
    expect(b.snapshot.counters().reloads.reconnect).toBeGreaterThanOrEqual(1);
    // And it listens again: the next change arrives by NOTIFY.
    await db.pool.query(`update feature_flags set enabled = true where key = 'enable_shadow_testing'`);
    await until(() => flagOf(b, 'enable_shadow_testing')?.enabled === true);
  });

  it('without LISTEN, the periodic poll is the fallback', async () => {
    const store = createFlagStore(db.pool);
    const polled = createFlagSnapshot({ store, pollMs: 100 });
    await polled.start();
    try {
      await db.pool.query(`update feature_flags set description = 'polled' where key = 'use_database_views'`);
      await until(() => polled.get('use_database_views')?.description === 'polled');
      expect(polled.counters().reloads.poll).toBeGreaterThanOrEqual(1);
    } finally {
      await polled.stop();
    }
  });
});

describe('evaluation fails soft', () => {
  it('an unknown flag answers false with reason error and is counted', () => {
    const before = a.snapshot.counters().errors.FLAG_NOT_FOUND;
    expect(a.snapshot.evaluate('no_such_flag', { targetingKey: 'user:1' })).toMatchObject({
      value: false,
      reason: 'error',
      errorCode: 'FLAG_NOT_FOUND',
    });
    expect(a.snapshot.counters().errors.FLAG_NOT_FOUND).toBe(before + 1);
    expect(a.snapshot.counters().evaluations.error).toBeGreaterThanOrEqual(1);
  });

  it('a failing reload keeps the last good state, and start() fails loudly when nothing ever loaded', async () => {
    const real = createFlagStore(db.pool);
    let failing = false;
    const flaky: FlagStore = {
      ...real,
      list: async () => {
        if (failing) throw new Error('connection lost');
        return real.list();
      },
    };
    const snapshot = createFlagSnapshot({ store: flaky, pollMs: 60_000 });
    await snapshot.start();
    const held = snapshot.get('use_database_views');
    failing = true;
    await expect(snapshot.reload('poll')).rejects.toThrow('connection lost');
    expect(snapshot.get('use_database_views')).toBe(held);
    expect(snapshot.evaluate('use_database_views', { targetingKey: 'user:1' }).reason).toBe('split');
    await snapshot.stop();

    const dead = createPool({ connectionString: 'postgres://nobody:x@127.0.0.1:1/none', max: 1 });
    const broken = createFlagSnapshot({ store: createFlagStore(dead), pollMs: 60_000 });
    await expect(broken.start()).rejects.toThrow();
    await broken.stop();
    await dead.end();
  });

  it('stop() leaves no LISTEN connection behind', async () => {
    const extra = await startInstance('c', 60_000);
    await extra.snapshot.stop();
    await extra.pool.end();
    // A backend exits a moment after its client hung up.
    const t0 = performance.now();
    let left = -1;
    while (left !== 0 && performance.now() - t0 < 2000) {
      const { rows } = await db.pool.query('select pid from pg_stat_activity where application_name = $1', [
        extra.name,
      ]);
      left = rows.length;
    }
    expect(left).toBe(0);
  });
});
