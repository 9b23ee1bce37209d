import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { applyViews } from '../../src/views/apply.js';
import { refreshMatview } from '../../src/views/refresh-matview.js';
import { readRefreshState } from '../../src/views/refresh-state.js';
import { createRefresher } from '../../src/views/refresher.js';
import type { Refresher } from '../../src/views/refresher-types.js';
import type { ViewDef } from '../../src/views/view-def.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

const items: ViewDef = {
  name: 'mv_items',
  kind: 'materialized',
  dependsOn: ['r_items'],
  sql: 'select i.id::bigint as id, i.v::bigint as v from r_items i',
  indexes: [{ name: 'mv_items_id_key', columns: ['id'], unique: true }],
  refresh: { concurrently: true },
};
// Stacked on mv_items: must be refreshed after it.
const totals: ViewDef = {
  name: 'mv_totals',
  kind: 'materialized',
  dependsOn: ['mv_items'],
  sql: 'select 1::int as k, count(*)::bigint as n, coalesce(sum(m.v), 0)::bigint as total from mv_items m',
  indexes: [{ name: 'mv_totals_k_key', columns: ['k'], unique: true }],
  refresh: { concurrently: true },
};
const ratios: ViewDef = {
  name: 'mv_ratios',
  kind: 'materialized',
  dependsOn: ['r_ratios'],
  sql: 'select r.id::bigint as id, (100 / r.d)::bigint as q from r_ratios r',
};
const VIEWS = [items, totals, ratios];

let db: TestDatabase;
const started: Refresher[] = [];
const holders: pg.Client[] = [];

const q = async <T = Record<string, unknown>>(sql: string, values: unknown[] = []) =>
  (await db.pool.query(sql, values)).rows as T[];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 10_000): Promise<number> {
  const t0 = Date.now();
  while (!(await check())) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(25);
  }
  return Date.now() - t0;
}
const refresher = (options: Partial<Parameters<typeof createRefresher>[0]> = {}) => {
  const r = createRefresher({ pool: db.pool, views: VIEWS, listen: false, ...options });
  started.push(r);
  return r;
};
/** Holds ACCESS EXCLUSIVE on r_items in an open transaction: a refresh of mv_items waits on it mid-way. */
async function holdItemsTable(): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  holders.push(client);
  await client.query('begin');
  await client.query('lock table r_items in access exclusive mode');
  return client;
}
const release = async (client: pg.Client) => {
  await client.query('commit');
  await client.end();
  holders.splice(holders.indexOf(client), 1);
};
/** Sessions stuck in REFRESH waiting for a lock: proof the refresh holds its advisory lock and is in flight. */
const waitingRefreshes = async () =>
  (
    await q<{ n: number }>(
      `select count(*)::int as n from pg_stat_activity
        where datname = current_database() and wait_event_type = 'Lock' and query ilike 'refresh materialized view%'`,
    )
  )[0]?.n ?? 0;
const count = async (view: string) =>
  (await q<{ n: number }>(`select count(*)::int as n from ${view}`))[0]?.n;

beforeAll(async () => {
  db = await createTestDatabase(8);
  await q('create table r_items (id bigint primary key, v int not null)');
  await q('create table r_ratios (id bigint primary key, d int not null)');
  await q('insert into r_items select g, g from generate_series(1, 10) g');
  await q('insert into r_ratios values (1, 4)');
  await applyViews(db.pool, VIEWS);
});
afterEach(async () => {
  for (const h of holders.splice(0)) await h.end();
  for (const r of started.splice(0)) await r.stop();
});
afterAll(async () => {
  await db?.drop();
});

describe('refresher: one refresh per view at a time', () => {
  it('of two refreshers at once exactly one refreshes, the other skips at once', async () => {
    const [a, b] = [refresher(), refresher()];
    const holder = await holdItemsTable();
    const first = a.refresh(['mv_items']);
    await waitFor('the first refresh to be in flight', async () => (await waitingRefreshes()) === 1);
    // Answered while the first still waits on the held table: had it queued behind the lock, this would hang.
    const second = await b.refresh(['mv_items']);
    expect(second.find((r) => r.name === 'mv_items')?.outcome).toBe('skipped');
    await release(holder);
    expect((await first).find((r) => r.name === 'mv_items')).toMatchObject({
      outcome: 'refreshed',
      concurrently: true,
    });
    expect(a.stats().find((s) => s.name === 'mv_items')).toMatchObject({ refreshed: 1, skipped: 0 });
    expect(b.stats().find((s) => s.name === 'mv_items')).toMatchObject({ refreshed: 0, skipped: 1 });
  });

  it('a reader of the matview is not blocked while a concurrent refresh runs (and is by a plain one)', async () => {
    const holder = await holdItemsTable();
    const concurrent = refreshMatview(db.pool, items);
    await waitFor('the refresh to be in flight', async () => (await waitingRefreshes()) === 1);
    const reader = new pg.Client({ connectionString: db.url });
    await reader.connect();
    try {
      await reader.query(`set lock_timeout = '500ms'`);
      expect((await reader.query('select count(*)::int as n from mv_items')).rows[0].n).toBe(10);
      await release(holder);
      expect((await concurrent).outcome).toBe('refreshed');

      // The control: without CONCURRENTLY the refresh holds ACCESS EXCLUSIVE on the matview and readers wait.
      const holder2 = await holdItemsTable();
      const plain = refreshMatview(db.pool, { ...items, refresh: { concurrently: false } });
      await waitFor('the plain refresh to be in flight', async () => (await waitingRefreshes()) === 1);
      await expect(reader.query('select count(*) from mv_items')).rejects.toThrow('lock timeout');
      await release(holder2);
      expect((await plain).concurrently).toBe(false);
    } finally {
      await reader.end();
    }
  });

  it('--force waits for the running refresh instead of skipping', async () => {
    const holder = await holdItemsTable();
    const first = refreshMatview(db.pool, items);
    await waitFor('the first refresh to be in flight', async () => (await waitingRefreshes()) === 1);
    const forced = refreshMatview(db.pool, items, { force: true });
    // The forced one waits for the first one's advisory lock (any lock wait but the first refresh's).
    await waitFor('the forced refresh to queue behind the lock', async () => {
      const rows = await q<{ n: number }>(
        `select count(*)::int as n from pg_stat_activity
          where datname = current_database() and wait_event_type = 'Lock'`,
      );
      return (rows[0]?.n ?? 0) >= 2;
    });
    await release(holder);
    expect((await first).outcome).toBe('refreshed');
    expect((await forced).outcome).toBe('refreshed');
  });

  it('stop() waits for an in-flight refresh', async () => {
    const r = refresher();
    const holder = await holdItemsTable();
    const running = r.refresh(['mv_items']);
    await waitFor('the refresh to be in flight', async () => (await waitingRefreshes()) === 1);
    let stopped = false;
    const stopping = r.stop().then(() => {
      stopped = true;
    });
    await sleep(300);
    expect(stopped).toBe(false);
    await release(holder);
    await stopping;
    expect((await running).map((x) => x.outcome)).toEqual(['refreshed', 'refreshed']);
  });

  it('rejects an unknown name, listing the allowed ones', async () => {
    await expect(refresher().refresh(['gene_scroes'])).rejects.toThrowErrorMatchingInlineSnapshot(
      `[KgdbError: Unknown materialized view gene_scroes. Allowed: mv_items, mv_totals, mv_ratios]`,
    );
  });
});

describe('refresher: state and freshness', () => {
  it('persists outcome, time and duration, and a new refresher reads them back', async () => {
    await q('insert into r_ratios values (2, 0)');
    const [result] = await refresher().refresh(['mv_ratios']);
    expect(result).toMatchObject({ outcome: 'failed', error: 'division by zero' });
    await q('delete from r_ratios where d = 0');
    expect((await refresher().refresh(['mv_ratios']))[0]?.outcome).toBe('refreshed');

    const state = (await readRefreshState(db.pool)).get('mv_ratios');
    expect(state).toMatchObject({ lastOutcome: 'refreshed', lastError: null });
    const fresh = refresher();
    await fresh.start();
    const stats = fresh.stats().find((s) => s.name === 'mv_ratios');
    expect(stats).toMatchObject({ lastOutcome: 'refreshed', refreshed: 0, failed: 0, stalenessSeconds: 0 });
    expect(stats?.lastRefreshedAt).toEqual(state?.lastRefreshedAt);
    expect(stats?.lastDurationMs).toBe(state?.lastDurationMs);
    expect(stats?.ageSeconds).toBeGreaterThanOrEqual(0);
  });

  it('after writes to a base table the stacked matviews are fresh again within the bound, with no manual step', async () => {
    const r = refresher({ listen: true, quietMs: 200, maxStalenessMs: 1_000, backoff: { initialMs: 20 } });
    await r.start();
    await q('insert into r_items select g, g from generate_series(11, 20) g');
    await waitFor('mv_totals to show 20 rows', async () => {
      const rows = await q<{ n: number }>('select n::int as n from mv_totals');
      return rows[0]?.n === 20;
    });
    expect(await count('mv_items')).toBe(20);
  });

  it('a steady stream of writes cannot starve the refresh past the maximum staleness', async () => {
    // A quiet period longer than the test: only the maximum staleness can trigger the refresh, however slowly
    // a busy machine runs the loop below.
    const r = refresher({ listen: true, quietMs: 600_000, maxStalenessMs: 1_000 });
    await r.start();
    const before = (await count('mv_items')) ?? 0;
    const t0 = Date.now();
    let writes = 0;
    while (((await count('mv_items')) ?? 0) <= before) {
      if (Date.now() - t0 > 60_000) throw new Error('no refresh while the writes went on');
      await q('insert into r_items values ($1, 1)', [1_000 + writes++]);
      await sleep(50);
    }
    expect(writes).toBeGreaterThan(1);
  });

  it('a change whose refresh was skipped is refreshed once the lock holder lets go', async () => {
    // The lock holder here refreshes nothing (as a view apply would): the skipped change must not be lost.
    const holder = new pg.Client({ connectionString: db.url });
    await holder.connect();
    holders.push(holder);
    const r = refresher({ listen: true, quietMs: 100, maxStalenessMs: 500 });
    await r.start();
    await waitFor('the refresh after connect', async () => (r.stats()[0]?.refreshed ?? 0) >= 1);
    await holder.query(`select pg_advisory_lock(hashtext('kgdb:refresh:mv_items'))`);
    await q('insert into r_items values (5000, 1)');
    await waitFor('a skip', async () => (r.stats().find((s) => s.name === 'mv_items')?.skipped ?? 0) >= 1);
    expect(await count('mv_items')).toBe(((await count('r_items')) ?? 0) - 1);
    await holder.query(`select pg_advisory_unlock(hashtext('kgdb:refresh:mv_items'))`);
    await waitFor(
      'the refresh after the lock is free',
      async () => (await count('mv_items')) === (await count('r_items')),
    );
  });

  /**
   * Another instance refreshes mv_items and mv_totals between the change reaching `r` and `r`'s own turn. `r`'s
   * turn is held back deterministically: its refreshes run one at a time, and a forced refresh of mv_ratios
   * waits on a lock the test holds.
   */
  let nextItem = 7_000;
  async function refreshedElsewhereAround(order: 'after the change' | 'before the change') {
    const holder = new pg.Client({ connectionString: db.url });
    await holder.connect();
    holders.push(holder);
    await holder.query(`select pg_advisory_lock(hashtext('kgdb:refresh:mv_ratios'))`);
    const r = refresher({ quietMs: 10, maxStalenessMs: 500 });
    const blocked = r.refresh(['mv_ratios'], { force: true });
    const elsewhere = async () => {
      for (const def of [items, totals])
        expect((await refreshMatview(db.pool, def)).outcome).toBe('refreshed');
    };
    if (order === 'before the change') await elsewhere();
    nextItem += 1;
    await q('insert into r_items values ($1, 1)', [nextItem]);
    const heardAt = Date.now();
    r.tablesChanged(['r_items']);
    if (order === 'after the change') {
      // As between instances, whose refresh follows a quiet period: far beyond the clock reading's error.
      await waitFor('the server clock to pass the change by 1 s', async () => {
        const [row] = await q<{ now: Date }>('select clock_timestamp() as now');
        return (row?.now.getTime() ?? 0) > heardAt + 1_000;
      });
      await elsewhere();
    }
    await holder.query(`select pg_advisory_unlock(hashtext('kgdb:refresh:mv_ratios'))`);
    await blocked;
    const stat = (name: string) => r.stats().find((s) => s.name === name);
    const persisted = await readRefreshState(db.pool);
    await waitFor('the refresher to settle', async () => {
      const latest = await readRefreshState(db.pool);
      return ['mv_items', 'mv_totals'].every(
        (name) =>
          stat(name)?.stalenessSeconds === 0 &&
          stat(name)?.lastRefreshedAt?.getTime() === latest.get(name)?.lastRefreshedAt?.getTime(),
      );
    });
    expect(await count('mv_items')).toBe(await count('r_items'));
    return { r, stat, persisted };
  }

  it('a refresh another instance began after the change covers it: no second refresh here', async () => {
    const { stat, persisted } = await refreshedElsewhereAround('after the change');
    expect(stat('mv_items')).toMatchObject({ refreshed: 0, skipped: 0, failed: 0 });
    expect(stat('mv_totals')).toMatchObject({ refreshed: 0, skipped: 0, failed: 0 });
    expect(stat('mv_items')?.lastRefreshedAt).toEqual(persisted.get('mv_items')?.lastRefreshedAt);
  });

  it('a refresh another instance made before the change does not: refreshed here', async () => {
    const { stat } = await refreshedElsewhereAround('before the change');
    expect(stat('mv_items')).toMatchObject({ refreshed: 1, skipped: 0, failed: 0 });
    expect(stat('mv_totals')).toMatchObject({ refreshed: 1, skipped: 0, failed: 0 });
  });

  it('a view apply waits for a running refresh instead of deadlocking with it', async () => {
    const holder = await holdItemsTable();
    const running = refreshMatview(db.pool, items);
    await waitFor('the refresh to be in flight', async () => (await waitingRefreshes()) === 1);
    const widened: ViewDef = { ...items, sql: `${items.sql.replace(' from', ', 0::int as extra from')}` };
    const applying = applyViews(db.pool, [widened, totals, ratios]);
    await sleep(300);
    await release(holder);
    expect((await running).outcome).toBe('refreshed');
    expect((await applying).recreated).toEqual(['mv_items', 'mv_totals']);
    await applyViews(db.pool, VIEWS);
  });

  it('after a reconnect it treats every table as changed', async () => {
    const r = refresher({
      listen: true,
      quietMs: 50,
      maxStalenessMs: 500,
      backoff: { initialMs: 20, maxMs: 100 },
    });
    await r.start();
    const refreshedCount = () => r.stats().find((s) => s.name === 'mv_items')?.refreshed ?? 0;
    await waitFor('the refresh after the first connect', async () => refreshedCount() === 1);
    await q(
      `select pg_terminate_backend(pid) from pg_stat_activity
        where datname = current_database() and application_name = 'kgdb-refresher'`,
    );
    await waitFor('the refresh after the reconnect', async () => refreshedCount() === 2);
  });
});
