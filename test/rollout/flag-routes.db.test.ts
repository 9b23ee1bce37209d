import { once } from 'node:events';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueApiToken } from '../../src/auth/issue-api-token.js';
import { createPool, type Pool } from '../../src/db/pool.js';
import type { FlagSnapshot } from '../../src/rollout/flags/flag-snapshot.js';
import { composeTestApp } from '../helpers/app.js';
import { createTestDatabase, startFlagsAtZero, type TestDatabase } from '../helpers/db.js';

let db: TestDatabase;
let app: FastifyInstance;
let snapshot: FlagSnapshot;
let admin: Record<string, string>;
let viewer: Record<string, string>;

const BASE = '/api/admin/feature-flags';

beforeAll(async () => {
  db = await createTestDatabase();
  await startFlagsAtZero(db.pool);
  const composition = await composeTestApp(db.pool);
  app = composition.app;
  snapshot = composition.flagSnapshot;
  admin = { authorization: `Bearer ${(await issueApiToken(db.pool, { role: 'admin', name: 'ops' })).token}` };
  viewer = {
    authorization: `Bearer ${(await issueApiToken(db.pool, { role: 'viewer', name: 'reader' })).token}`,
  };
});
afterAll(async () => {
  await app.close();
  await db.drop();
});

const call = (method: 'GET' | 'PATCH' | 'POST', url: string, payload?: unknown, headers = admin) =>
  app.inject({ method, url, headers, ...(payload === undefined ? {} : { payload: payload as object }) });

describe('GET /api/admin/feature-flags', () => {
  it('lists the flags', async () => {
    const res = await call('GET', `${BASE}/`);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.meta.total).toBe(body.data.length);
    expect(body.data.map((f: { key: string }) => f.key)).toEqual([
      'enable_shadow_testing',
      'use_database_views',
    ]);
    expect(body.data[1]).toMatchObject({
      strategy: 'gradual',
      step: 0,
      percentage: 0,
      steps: [0, 10, 25, 50, 75, 100],
    });
    expect(body.data[1].updated_at).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('answers 401 without credentials and 403 for a non-admin', async () => {
    expect((await app.inject({ method: 'GET', url: BASE })).statusCode).toBe(401);
    expect((await call('GET', BASE, undefined, viewer)).statusCode).toBe(403);
    expect(
      (await app.inject({ method: 'POST', url: `${BASE}/disable`, payload: { flag: 'use_database_views' } }))
        .statusCode,
    ).toBe(401);
  });
});

describe('GET|PATCH /api/admin/feature-flags/{key}', () => {
  it('reads one flag; an unknown key is a 404 envelope listing the known keys', async () => {
    const one = (await call('GET', `${BASE}/use_database_views`)).json();
    expect(one.data.key).toBe('use_database_views');
    expect(one.meta.snapshot).toEqual({ version: one.data.version, loaded_at: expect.any(String) });
    const res = await call('GET', `${BASE}/nope`);
    expect(res.statusCode).toBe(404);
    expect(res.json().error).toMatchObject({
      code: 'NOT_FOUND',
      detail: "No feature flag 'nope'. Known flags: enable_shadow_testing, use_database_views",
      source: { parameter: 'key' },
    });
  });

  it('patches with one event whose actor is the caller, and this instance evaluates the new state at once', async () => {
    const res = await call('PATCH', `${BASE}/enable_shadow_testing`, {
      percentage: 100,
      reason: 'shadow everything',
    });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.data).toMatchObject({ percentage: 100, updated_by: 'token:ops' });
    expect(body.meta).toMatchObject({
      changed: true,
      event: {
        actor: 'token:ops',
        action: 'set_percentage',
        old: { percentage: 0 },
        new: { percentage: 100 },
        reason: 'shadow everything',
      },
    });
    expect(snapshot.evaluate('enable_shadow_testing', { targetingKey: 'user:1' }).value).toBe(true);
    const again = await call('PATCH', `${BASE}/enable_shadow_testing`, { percentage: 100 });
    expect(again.json().meta).toEqual({ changed: false, event: null });
  });

  it('400 naming every unknown field and the allowed ones', async () => {
    const res = await call('PATCH', `${BASE}/use_database_views`, { percent: 5, enable: true });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({
      code: 'INVALID_PARAMETER',
      source: { parameter: 'percent,enable' },
      detail:
        "Unknown fields 'percent', 'enable'. Allowed: enabled, strategy, percentage, step, steps, auto_promote, bake_seconds, description, reason",
    });
  });

  it('400 naming the field and its range', async () => {
    const cases: [object, string, string][] = [
      [
        { percentage: 101 },
        'percentage',
        'percentage must be a number from 0 to 100 with at most 3 decimals, got 101',
      ],
      [{ step: 9 }, 'step', 'step must be an integer in 0..5 (steps 0, 10, 25, 50, 75, 100), got 9'],
      [
        { percentage: 30 },
        'percentage',
        "flag is gradual: percentage must be one of its steps 0, 10, 25, 50, 75, 100, got 30 (or set strategy 'percentage')",
      ],
      [{ enabled: 'maybe' }, 'enabled', "'enabled' must be boolean: expected true or false"],
      [
        { strategy: 'sometimes' },
        'strategy',
        "'strategy' must be equal to one of the allowed values: expected one of: off, on, percentage, gradual",
      ],
      [
        { reason: 'nothing else' },
        'body',
        'Nothing to change: give at least one of enabled, strategy, percentage, step, steps, auto_promote, bake_seconds, description',
      ],
    ];
    for (const [payload, parameter, detail] of cases) {
      const res = await call('PATCH', `${BASE}/use_database_views`, payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(res.json().error).toMatchObject({ source: { parameter }, detail });
    }
  });
});

describe('POST advance, GET events, POST disable', () => {
  it('advances one step (409 at the last one)', async () => {
    const res = await call('POST', `${BASE}/use_database_views/advance`, { reason: 'healthy for 10 min' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      data: { step: 1, percentage: 10 },
      meta: { event: { action: 'advance', reason: 'healthy for 10 min' } },
    });
    const second = await call('POST', `${BASE}/use_database_views/advance`);
    expect(second.json().data?.step, second.body).toBe(2);
    await call('PATCH', `${BASE}/use_database_views`, { step: 5 });
    const last = await call('POST', `${BASE}/use_database_views/advance`);
    expect(last.statusCode).toBe(409);
    expect(last.json().error.detail).toBe("Flag 'use_database_views' is already at its last step (5: 100 %)");
  });

  it('lists events newest first, with paging', async () => {
    const res = await call('GET', `${BASE}/use_database_views/events?limit=2`);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.data.map((e: { action: string }) => e.action)).toEqual(['set_percentage', 'advance']);
    expect(body.data[0]).toMatchObject({
      actor: 'token:ops',
      old: { step: 2, percentage: 25 },
      new: { step: 5, percentage: 100 },
    });
    const older = (
      await call('GET', `${BASE}/use_database_views/events?limit=10&before=${body.meta.next_before}`)
    ).json();
    expect(older.data.map((e: { action: string }) => e.action)).toEqual(['advance', 'create']);
    expect(older.meta.next_before).toBeNull();
    expect((await call('GET', `${BASE}/use_database_views/events?limit=0`)).statusCode).toBe(400);
    expect(
      (await call('GET', `${BASE}/use_database_views/events?since=1`)).json().error.source.parameter,
    ).toBe('since');
    expect((await call('GET', `${BASE}/nope/events`)).statusCode).toBe(404);
  });

  it('the emergency disable switches the flag off and back to 0 %, with an event', async () => {
    const res = await call('POST', `${BASE}/disable`, { flag: 'use_database_views', reason: 'pager' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      data: { enabled: false, step: 0, percentage: 0 },
      meta: {
        changed: true,
        event: {
          action: 'emergency_disable',
          actor: 'token:ops',
          reason: 'pager',
          old: { enabled: true, step: 5, percentage: 100 },
        },
      },
    });
    expect(snapshot.evaluate('use_database_views', { targetingKey: 'user:1' })).toMatchObject({
      value: false,
      reason: 'disabled',
    });
    expect((await call('POST', `${BASE}/disable`, { flag: 'nope' })).statusCode).toBe(404);
    expect((await call('POST', `${BASE}/disable`, { flags: 'x' })).json().error.source.parameter).toBe(
      'flag',
    );
    expect(
      (await call('POST', `${BASE}/disable`, { flag: 'use_database_views', why: 'x' })).json().error.source
        .parameter,
    ).toBe('why');
  });
});

describe('two server instances on one database', () => {
  interface Server {
    pool: Pool;
    app: FastifyInstance;
    snapshot: FlagSnapshot;
    /** Every flag version this instance's snapshot applied from a NOTIFY, in arrival order. */
    notified: Array<{ key: string; version: number | null }>;
  }
  const servers: Server[] = [];

  async function startServer(): Promise<Server> {
    const pool = createPool({ connectionString: db.url, max: 3 });
    const { app, flagSnapshot: snapshot } = await composeTestApp(pool);
    const server: Server = { pool, app, snapshot, notified: [] };
    // The snapshot also polls (every 5 s) and applies its own store's changes: only 'notify' proves delivery.
    snapshot.events.on('applied', ({ key, cause, version }) => {
      if (cause === 'notify') server.notified.push({ key, version });
    });
    servers.push(server);
    return server;
  }

  afterAll(async () => {
    for (const s of servers) {
      await s.app.close();
      await s.pool.end();
    }
  });

  /**
   * Waits until instance `s` has applied version >= `version` of the flag from a NOTIFY, then checks that its
   * API reports (GET …/{key}) that it evaluates that version. Ends on the event; the deadline is for a busy
   * machine.
   */
  async function untilNotified(s: Server, key: string, version: number): Promise<void> {
    const signal = AbortSignal.timeout(30_000);
    while (!s.notified.some((n) => n.key === key && (n.version ?? 0) >= version)) {
      await once(s.snapshot.events, 'applied', { signal }).catch(() => {
        throw new Error(`${key} v${version} not notified within 30 s`);
      });
    }
    const res = await s.app.inject({ method: 'GET', url: `${BASE}/${key}`, headers: admin });
    expect(res.json().meta.snapshot.version).toBeGreaterThanOrEqual(version);
  }

  it('a change through one instance’s API, and one through plain SQL, reach the other by NOTIFY', async () => {
    const one = await startServer();
    const two = await startServer();
    const res = await one.app.inject({
      method: 'PATCH',
      url: `${BASE}/enable_shadow_testing`,
      headers: admin,
      payload: { percentage: 42.5 },
    });
    expect(res.statusCode).toBe(200);
    await untilNotified(two, 'enable_shadow_testing', res.json().data.version);
    expect(two.snapshot.get('enable_shadow_testing')?.percentage).toBe(42.5);

    const { rows } = await db.pool.query<{ version: number }>(
      `update feature_flags set percentage = 7.5 where key = 'enable_shadow_testing' returning version`,
    );
    await Promise.all(
      [one, two].map((s) => untilNotified(s, 'enable_shadow_testing', rows[0]?.version ?? 0)),
    );
    for (let i = 0; i < 200; i++) {
      const ctx = { targetingKey: `client:${i}` };
      expect(one.snapshot.evaluate('enable_shadow_testing', ctx).value).toBe(
        two.snapshot.evaluate('enable_shadow_testing', ctx).value,
      );
    }
  });
});
