import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { registerFlags } from '../../src/cli/commands/flags.js';
import { createFlagSnapshot } from '../../src/rollout/flags/flag-snapshot.js';
import { createFlagStore, type FlagStore } from '../../src/rollout/flags/flag-store.js';
import { createTestDatabase, startFlagsAtZero, type TestDatabase } from '../helpers/db.js';

let db: TestDatabase;
let store: FlagStore;

beforeAll(async () => {
  db = await createTestDatabase();
  await startFlagsAtZero(db.pool);
  store = createFlagStore(db.pool);
});
afterAll(async () => {
  await db.drop();
});

const eventCount = async (key: string): Promise<number> => {
  const { rows } = await db.pool.query<{ n: number }>(
    'select count(*)::int as n from feature_flag_events where flag_key = $1',
    [key],
  );
  return rows[0]?.n ?? 0;
};

/** Runs `kgdb flags …` in-process against the test database; returns what it printed on stdout. */
async function cli(...args: string[]): Promise<{ out: string; err: string; exitCode: number }> {
  const program = new Command('kgdb').exitOverride();
  registerFlags(program);
  const out: string[] = [];
  const err: string[] = [];
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => out.push(String(chunk)) > 0);
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => err.push(String(chunk)) > 0);
  vi.stubEnv('DATABASE_URL', db.url);
  process.exitCode = 0;
  try {
    await program.parseAsync(['node', 'kgdb', 'flags', ...args]);
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
    vi.unstubAllEnvs();
  }
  const exitCode = Number(process.exitCode ?? 0);
  process.exitCode = 0;
  return { out: out.join(''), err: err.join(''), exitCode };
}

describe('migration 0005 seeds the flags the wiring reads', () => {
  it('use_database_views is gradual at 0 %, enable_shadow_testing a 0 % percentage', async () => {
    expect(await store.get('use_database_views')).toMatchObject({
      enabled: true,
      strategy: 'gradual',
      step: 0,
      percentage: 0,
      steps: [0, 10, 25, 50, 75, 100],
      bake_seconds: 600,
    });
    expect(await store.get('enable_shadow_testing')).toMatchObject({ strategy: 'percentage', percentage: 0 });
    const [seeded] = await store.events('use_database_views');
    expect(seeded).toMatchObject({ action: 'create', actor: 'migration:0005', reason: 'seeded', old: null });
  });
});

describe('every change is exactly one audited event (who, when, old → new, why)', () => {
  it('a store change (what the API calls) writes one event with only the changed fields', async () => {
    await store.create(
      { key: 'store_change', strategy: 'percentage', percentage: 5, enabled: true },
      { actor: 'test' },
    );
    const before = await eventCount('store_change');
    const change = await store.update(
      'store_change',
      { percentage: 12.5 },
      { actor: 'user:alice', reason: 'ramp' },
    );
    expect(change.changed).toBe(true);
    expect(change.flag).toMatchObject({ percentage: 12.5, updated_by: 'user:alice' });
    expect(change.event).toMatchObject({
      flag_key: 'store_change',
      actor: 'user:alice',
      action: 'set_percentage',
      old: { percentage: 5 },
      new: { percentage: 12.5 },
      reason: 'ramp',
      measured: null,
    });
    expect(change.event?.at).toBeInstanceOf(Date);
    expect(await eventCount('store_change')).toBe(before + 1);
  });

  it('a change to the same state writes no event', async () => {
    const before = await eventCount('store_change');
    const change = await store.update('store_change', { percentage: 12.5 }, { actor: 'user:alice' });
    expect(change).toMatchObject({ changed: false, event: null });
    expect(await eventCount('store_change')).toBe(before);
  });

  it("a guard's rollback carries the measured values", async () => {
    const measured = { error_rate: 0.031, p99_ms: 412, samples: 1200 };
    const change = await store.update(
      'store_change',
      { percentage: 0 },
      {
        actor: 'guard:test',
        action: 'rollback',
        reason: 'error rate 3.1 % > 1 %',
        measured,
      },
    );
    expect(change.event).toMatchObject({
      action: 'rollback',
      actor: 'guard:test',
      measured,
      new: { percentage: 0 },
    });
  });

  it('a plain SQL UPDATE is audited too, as sql:<role>, with old → new', async () => {
    const before = await eventCount('enable_shadow_testing');
    await db.pool.query(`update feature_flags set percentage = 7.25 where key = 'enable_shadow_testing'`);
    const [event] = await store.events('enable_shadow_testing', { limit: 1 });
    expect(event).toMatchObject({
      action: 'update',
      old: { percentage: 0 },
      new: { percentage: 7.25 },
      reason: null,
    });
    expect(event?.actor).toMatch(/^sql:/);
    expect(await eventCount('enable_shadow_testing')).toBe(before + 1);
    expect((await store.get('enable_shadow_testing'))?.updated_by).toBe(event?.actor);
  });

  it('a plain SQL UPDATE of a gradual percentage moves the step; one that is not a step is refused', async () => {
    await store.create({ key: 'sql_gradual', strategy: 'gradual', enabled: true }, { actor: 'test' });
    await db.pool.query(`update feature_flags set percentage = 50 where key = 'sql_gradual'`);
    expect(await store.get('sql_gradual')).toMatchObject({ step: 3, percentage: 50 });
    await db.pool.query(`update feature_flags set step = 1 where key = 'sql_gradual'`);
    expect(await store.get('sql_gradual')).toMatchObject({ step: 1, percentage: 10 });
    await expect(
      db.pool.query(`update feature_flags set percentage = 30 where key = 'sql_gradual'`),
    ).rejects.toThrow(/gradual, so percentage must be one of its steps/);
  });

  it('plain SQL inserts and deletes are events; TRUNCATE is refused', async () => {
    await db.pool.query(`insert into feature_flags (key, strategy) values ('sql_made', 'on')`);
    await db.pool.query(`delete from feature_flags where key = 'sql_made'`);
    const events = await store.events('sql_made');
    expect(events.map((e) => e.action)).toEqual(['delete', 'create']);
    expect(events[0]?.old).toMatchObject({ key: 'sql_made', strategy: 'on' });
    await expect(db.pool.query('truncate feature_flags')).rejects.toThrow(/cannot be truncated/);
  });

  it('a rolled-back change leaves no event', async () => {
    const before = await eventCount('store_change');
    const client = await db.pool.connect();
    try {
      await client.query('begin');
      await client.query(`update feature_flags set percentage = 99 where key = 'store_change'`);
      await client.query('rollback');
    } finally {
      client.release();
    }
    expect(await eventCount('store_change')).toBe(before);
  });

  it('the CLI: list, set, enable, disable, advance — each an event by cli:<user>', async () => {
    await store.create({ key: 'cli_flag', strategy: 'gradual', enabled: false }, { actor: 'test' });
    expect((await cli('list')).out).toMatch(/cli_flag\s+no\s+gradual\s+0\s+0 of \[0,10,25,50,75,100\]/);
    const set = await cli('set', 'cli_flag', '--step', '2', '--reason', 'cli test');
    expect(set.out).toMatch(/^cli_flag: DISABLED, gradual step 2\/5 \(25 %\) — event #\d+ by cli:/);
    expect((await cli('enable', 'cli_flag')).out).toMatch(/enabled, gradual step 2/);
    expect((await cli('advance', 'cli_flag')).out).toMatch(/step 3\/5 \(50 %\)/);
    expect((await cli('disable', 'cli_flag', '--reason', 'panic')).out).toMatch(
      /DISABLED, gradual step 0\/5 \(0 %\)/,
    );
    const events = await store.events('cli_flag');
    expect(events.map((e) => e.action)).toEqual([
      'emergency_disable',
      'advance',
      'enable',
      'set_percentage',
      'create',
    ]);
    expect(events.slice(0, 4).every((e) => e.actor.startsWith('cli:'))).toBe(true);
    expect(events[3]?.reason).toBe('cli test');
    expect(events[0]).toMatchObject({ reason: 'panic', old: { enabled: true, step: 3, percentage: 50 } });
  });

  it('the CLI reports bad input as CODE: message with exit code 1', async () => {
    expect(await cli('set', 'cli_flag', '--percentage', 'lots')).toMatchObject({
      exitCode: 1,
      err: "INVALID_PARAMETER: --percentage expects a number like 12.5, got 'lots'\n",
    });
    expect((await cli('set', 'cli_flag', '--percentage', '30')).err).toMatch(
      /^INVALID_PARAMETER: flag is gradual: percentage must be one of its steps/,
    );
    expect((await cli('advance', 'no_such_flag')).err).toMatch(
      /^NOT_FOUND: No feature flag 'no_such_flag'. Known flags: .*cli_flag/,
    );
  });

  it('advance at the last step changes nothing and exits 0; an on/off flag is still CONFLICT, exit 1', async () => {
    await store.create(
      { key: 'last_gradual', strategy: 'gradual', enabled: true, step: 5 },
      { actor: 'test' },
    );
    await store.create(
      { key: 'last_percentage', strategy: 'percentage', percentage: 100 },
      { actor: 'test' },
    );
    await store.create({ key: 'last_on_off', strategy: 'on', enabled: true }, { actor: 'test' });
    const events = async () =>
      (await Promise.all(['last_gradual', 'last_percentage', 'last_on_off'].map(eventCount))).reduce(
        (a, b) => a + b,
      );
    const before = await events();

    expect(await cli('advance', 'last_gradual', '--reason', 'again')).toEqual({
      out: 'last_gradual: enabled, gradual step 5/5 (100 %) — already at its last step: unchanged, no event\n',
      err: '',
      exitCode: 0,
    });
    expect(await cli('advance', 'last_percentage')).toMatchObject({
      out: 'last_percentage: DISABLED, percentage 100 % — already at its last step: unchanged, no event\n',
      exitCode: 0,
    });
    expect(await cli('advance', 'last_on_off')).toEqual({
      out: '',
      err: "CONFLICT: advance applies to gradual and percentage flags; 'last_on_off' has strategy 'on'\n",
      exitCode: 1,
    });
    expect(await events()).toBe(before);
    // The API keeps its 409: the store refuses, the CLI reads that refusal as "nothing to do".
    await expect(store.advance('last_gradual', { actor: 'test' })).rejects.toMatchObject({
      code: 'CONFLICT',
    });
  });

  it('an unknown key is NOT_FOUND listing the known keys', async () => {
    await expect(store.update('nope', { enabled: true }, { actor: 't' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
      parameter: 'key',
      message: expect.stringMatching(
        /^No feature flag 'nope'. Known flags: cli_flag, enable_shadow_testing, .*use_database_views$/,
      ),
    });
  });
});

describe('a restart keeps flag state and events', () => {
  it('a new store and snapshot on the same database see the same flags and history', async () => {
    const before = await store.list();
    const history = await store.events('cli_flag');
    const fresh = createFlagStore(db.pool);
    const snapshot = createFlagSnapshot({ store: fresh });
    await snapshot.start();
    try {
      expect(await fresh.list()).toEqual(before);
      expect(snapshot.list()).toEqual(before);
      expect(await fresh.events('cli_flag')).toEqual(history);
    } finally {
      await snapshot.stop();
    }
  });
});
