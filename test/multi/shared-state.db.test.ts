import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueApiToken } from '../../src/auth/issue-api-token.js';
import { uniqueGeneListUrl } from '../../src/bench/unique-urls.js';
import { seedDemo } from '../../src/data/demo/seed-demo.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { refreshMaterializedViews } from '../helpers/views.js';
import { type KgdbProcess, metricValue, pidOf, request, startKgdb, waitFor } from './instances.js';

/**
 * Three `kgdb serve` processes on one database, each on its own port: everything they must agree on lives in
 * PostgreSQL, so a change made through one (or behind all of them) reaches every one, and the work only one may
 * do at a time (the guard's verdicts, a matview refresh) is done by one. Each arrival is waited for by polling
 * that instance over HTTP; how long it took is printed, never asserted.
 */

const FLAG = 'use_database_views';
const GUARD_INTERVAL_S = 1;
let db: TestDatabase;
let instances: KgdbProcess[];
let token: string;

const report = (what: string, ms: Record<string, number>) =>
  console.log(
    `${what}: ${Object.entries(ms)
      .map(([name, t]) => `${name} ${Math.round(t)} ms`)
      .join(', ')}`,
  );

/**
 * Polls every instance at once until `arrived` holds for its answer to `url`: per instance, how long that took
 * (ms) and when it happened (epoch ms).
 */
async function untilEvery(
  what: string,
  url: string | (() => string),
  arrived: (answer: Awaited<ReturnType<typeof request>>) => boolean,
): Promise<Record<string, { ms: number; at: number }>> {
  const took = await Promise.all(
    instances.map(async (i) => {
      const { value, ms } = await waitFor(`${i.name}: ${what}`, async () => {
        const answer = await request(i.origin, typeof url === 'string' ? url : url());
        return arrived(answer) ? answer : undefined;
      });
      expect(value.instance).not.toBe('');
      return [i.name, { ms, at: Date.now() }] as const;
    }),
  );
  return Object.fromEntries(took);
}

const durations = (took: Record<string, { ms: number }>) =>
  Object.fromEntries(Object.entries(took).map(([name, t]) => [name, t.ms]));

async function metricsOf(i: KgdbProcess): Promise<string> {
  return (await request(i.origin, '/metrics')).text;
}

/** The backend holding the session or transaction advisory lock `name` in this database, with its client. */
async function advisoryHolders(name: string): Promise<{ pid: number; application_name: string }[]> {
  const { rows } = await db.pool.query<{ pid: number; application_name: string }>(
    `select l.pid, a.application_name
       from pg_locks l join pg_stat_activity a on a.pid = l.pid
      where l.locktype = 'advisory' and l.granted and l.objsubid = 1
        and l.database = (select oid from pg_database where datname = current_database())
        and ((l.classid::int8 << 32) | l.objid::int8) = hashtext($1)::int8`,
    [name],
  );
  return rows;
}

async function latestVerdict(): Promise<{ instance_id: string; at: Date; kind: string } | undefined> {
  const { rows } = await db.pool.query<{ instance_id: string; at: Date; kind: string }>(
    'select instance_id, at, kind from kgdb_guard_verdicts where flag_key = $1',
    [FLAG],
  );
  return rows[0];
}

async function guardConnections(): Promise<number> {
  const { rows } = await db.pool.query<{ n: number }>(
    `select count(*)::int as n from pg_stat_activity
      where datname = current_database() and application_name = 'kgdb-guard'`,
  );
  return rows[0]?.n ?? 0;
}

beforeAll(async () => {
  db = await createTestDatabase();
  await seedDemo(db.pool, { genes: 300, evidence: 1200, logs: 0, seed: 5, now: new Date('2025-06-01') });
  await refreshMaterializedViews(db.pool);
  ({ token } = await issueApiToken(db.pool, { role: 'admin', name: 'multi-instance test' }));
  const env = {
    DATABASE_URL: db.url,
    KGDB_POOL_SIZE: '4',
    KGDB_GUARD_INTERVAL_S: String(GUARD_INTERVAL_S),
    KGDB_GUARD_WINDOW_S: '10',
    KGDB_GUARD_MIN_SAMPLES: '20',
  };
  instances = await Promise.all(['a', 'b', 'c'].map((name) => startKgdb(name, env)));
}, 300_000);

afterAll(async () => {
  await Promise.all((instances ?? []).map((i) => i.stop()));
  await db?.drop();
});

describe('three kgdb serve processes on one database', () => {
  it('each answers as an instance of its own: its process, in every response', async () => {
    const ids = await Promise.all(instances.map(async (i) => (await request(i.origin, '/health')).instance));
    expect(new Set(ids).size).toBe(3);
    expect(ids.map(pidOf)).toEqual(instances.map((i) => i.child.pid));
  });

  it('a flag change through one instance’s API reaches every instance', async () => {
    for (const i of instances) expect((await request(i.origin, '/api/genes/')).arm).toBe('views');
    const [a, , c] = instances as [KgdbProcess, KgdbProcess, KgdbProcess];
    const events = async () =>
      (
        await db.pool.query<{ action: string; actor: string; step: number }>(
          `select action, actor, (new->>'step')::int as step from feature_flag_events
            where flag_key = $1 and action <> 'create' order by id`,
          [FLAG],
        )
      ).rows;
    const before = (await events()).length;

    const off = await request(a.origin, `/api/admin/feature-flags/${FLAG}`, {
      method: 'PATCH',
      token,
      body: { step: 0, reason: 'multi-instance test: everyone on legacy' },
    });
    expect(off.status).toBe(200);
    report(
      'flag → step 0 (PATCH on a) served by',
      durations(await untilEvery('legacy', '/api/genes/', (r) => r.arm === 'legacy')),
    );

    const on = await request(c.origin, `/api/admin/feature-flags/${FLAG}`, {
      method: 'PATCH',
      token,
      body: { step: 5, reason: 'multi-instance test: back to the views' },
    });
    expect(on.status).toBe(200);
    report(
      'flag → step 5 (PATCH on c) served by',
      durations(await untilEvery('views', '/api/genes/', (r) => r.arm === 'views')),
    );

    // One audited event per change, in order, whichever instance took it.
    expect((await events()).slice(before)).toEqual([
      { action: 'set_percentage', actor: 'token:multi-instance test', step: 0 },
      { action: 'set_percentage', actor: 'token:multi-instance test', step: 5 },
    ]);
  });

  it('a write to a base table drops the cached answers of every instance', async () => {
    const { rows } = await db.pool.query<{ id: string; symbol: string }>(
      `select ge.id::text as id, g.approved_symbol as symbol
         from gene_evidence ge join genes g on g.id = ge.gene_id order by ge.id limit 1`,
    );
    const { id, symbol } = rows[0] as { id: string; symbol: string };
    const url = `/api/genes/${symbol}/evidence`;
    // Cached on every instance: read until an answer is a hit. A refresh still running from earlier writes may
    // clear the entry between two reads; the write below must find it cached.
    for (const i of instances) {
      await waitFor(`${i.name}: a cache hit`, async () => (await request(i.origin, url)).cache === 'hit');
    }
    const marker = `multi-instance ${randomBytes(4).toString('hex')}`;
    await db.pool.query('update gene_evidence set source_detail = $1 where id = $2', [marker, id]);
    const answers = new Map<string, string | undefined>();
    const took = await untilEvery('the new source_detail', url, (r) => {
      if (!r.text.includes(marker)) return false;
      answers.set(r.instance, r.cache);
      return true;
    });
    report('evidence write → new data served by', durations(took));
    // The first answer with the new data was loaded again: the cache entry was dropped, not expired (10 min TTL).
    expect([...answers.values()]).toEqual(['miss', 'miss', 'miss']);
  });

  it('a matview refresh (one instance’s refresher) reaches every instance', async () => {
    const { rows } = await db.pool.query<{ id: number; symbol: string }>(
      'select gene_id as id, approved_symbol as symbol from gene_scores order by gene_id limit 1',
    );
    const { id, symbol } = rows[0] as { id: number; symbol: string };
    const url = `/api/genes/${symbol}`;
    const counts = async () =>
      Promise.all(
        instances.map(async (i) => {
          const page = await metricsOf(i);
          const of = (outcome: string) =>
            metricValue(page, 'kgdb_view_refreshes_total', { view: 'gene_scores', outcome });
          return { refreshed: of('refreshed'), skipped: of('skipped') };
        }),
      );
    const before = await counts();
    const refreshedAt = async () =>
      (
        await db.pool.query<{ at: Date }>(
          `select last_refreshed_at as at from kgdb_view_refresh_state where name = 'gene_scores'`,
        )
      ).rows[0]?.at.getTime() ?? 0;
    const refreshedBefore = await refreshedAt();

    // Gene attributes reach the detail through gene_scores: only a refresh of the matview shows this alias.
    const alias = `MULTI${randomBytes(3).toString('hex').toUpperCase()}`;
    await db.pool.query('update genes set aliases = array_append(aliases, $1) where id = $2', [alias, id]);
    report(
      'genes write → refreshed gene_scores served by',
      durations(await untilEvery('the new alias', url, (r) => r.text.includes(alias))),
    );

    expect(await refreshedAt()).toBeGreaterThan(refreshedBefore);
    // The refresher counts a refresh after its commit, so the new rows can be served before the counter moves.
    const { value: delta } = await waitFor('a refresh counted by one instance', async () => {
      const after = await counts();
      const delta = after.map((c, k) => ({
        refreshed: c.refreshed - (before[k]?.refreshed ?? 0),
        skipped: c.skipped - (before[k]?.skipped ?? 0),
      }));
      return delta.some((d) => d.refreshed > 0) && delta;
    });
    console.log(
      `gene_scores refreshes since the write, per instance: ${delta.map((d, k) => `${instances[k]?.name} ${d.refreshed} refreshed / ${d.skipped} skipped`).join(', ')}`,
    );
    expect(delta.reduce((sum, d) => sum + d.refreshed, 0)).toBeGreaterThanOrEqual(1);
  });

  it('exactly one refresher refreshes a matview at a time: the others skip while it runs', async () => {
    const VIEW = 'source_overlap_statistics';
    // Nothing pending on any instance (the writes above have been refreshed), so only our calls take the lock.
    await untilEvery('its refresher to settle', '/metrics', (r) =>
      r.text
        .split('\n')
        .filter((line) => line.startsWith('kgdb_view_staleness_seconds{'))
        .every((line) => line.endsWith(' 0')),
    );
    // While this transaction holds the base table, the refresh that got the view's advisory lock waits in it.
    const blocker = new pg.Client({ connectionString: db.url });
    await blocker.connect();
    try {
      await blocker.query('begin');
      await blocker.query('lock table gene_evidence in access exclusive mode');
      const done: { name: string; outcome: string }[] = [];
      const calls = instances.map(async (i) => {
        const answer = await request(i.origin, '/api/admin/views/refresh', {
          method: 'POST',
          token,
          body: { name: VIEW },
        });
        expect(answer.status).toBe(200);
        const { results } = JSON.parse(answer.text) as { results: { name: string; outcome: string }[] };
        expect(results.map((r) => r.name)).toEqual([VIEW]);
        done.push({ name: i.name, outcome: results[0]?.outcome ?? '' });
      });
      await waitFor('two of the three refresh calls to answer', async () => done.length >= 2);
      expect(done.map((d) => d.outcome)).toEqual(['skipped', 'skipped']);
      const refreshing = await db.pool.query<{ pid: number; wait: string }>(
        `select pid, wait_event_type as wait from pg_stat_activity
          where datname = current_database() and state = 'active'
            and query ilike 'refresh materialized view%' || $1 || '%'`,
        [VIEW],
      );
      expect(refreshing.rows).toEqual([{ pid: expect.any(Number), wait: 'Lock' }]);
      expect((await advisoryHolders(`kgdb:refresh:${VIEW}`)).map((h) => h.pid)).toEqual([
        refreshing.rows[0]?.pid,
      ]);
      await blocker.query('rollback');
      await Promise.all(calls);
      expect(done.map((d) => d.outcome)).toEqual(['skipped', 'skipped', 'refreshed']);
      console.log(`concurrent refresh of ${VIEW}: ${done.map((d) => `${d.name} ${d.outcome}`).join(', ')}`);
    } finally {
      await blocker.end();
    }
  });

  it('exactly one guard leader: every instance competes for the lock, one holds it and judges', async () => {
    await waitFor('every instance’s guard to connect', async () => (await guardConnections()) === 3);
    const seen: { instance_id: string; at: number }[] = [];
    await waitFor(
      'five verdicts',
      async () => {
        const v = await latestVerdict();
        if (v && seen.at(-1)?.at !== v.at.getTime())
          seen.push({ instance_id: v.instance_id, at: v.at.getTime() });
        return seen.length >= 5;
      },
      60_000,
    );
    const leaders = new Set(seen.map((v) => v.instance_id));
    expect(leaders.size).toBe(1);
    const leader = [...leaders][0] as string;
    expect(instances.map((i) => i.child.pid)).toContain(pidOf(leader));
    const holders = await advisoryHolders('kgdb:rollout:guard');
    expect(holders).toEqual([{ pid: expect.any(Number), application_name: 'kgdb-guard' }]);
  });

  it('a guard decision: failures served by all instances roll the views back, and every instance follows', async () => {
    // The views arm loses its relation: every uncached views request fails, on every instance.
    await db.pool.query('alter view gene_list_detailed rename to gene_list_detailed_hidden');
    let n = 0;
    const nextUrl = () => uniqueGeneListUrl(n++);
    try {
      const { value: rollback } = await waitFor(
        'the guard to roll use_database_views back',
        async () => {
          await Promise.all(instances.map((i) => request(i.origin, nextUrl())));
          const { rows } = await db.pool.query<{ actor: string; at: Date; reason: string; step: number }>(
            `select actor, at, reason, (new->>'step')::int as step from feature_flag_events
              where flag_key = $1 and action = 'rollback'`,
            [FLAG],
          );
          return rows[0];
        },
        120_000,
      );
      const since = rollback.at.getTime();
      const took = await untilEvery('the legacy arm', nextUrl, (r) => r.arm === 'legacy' && r.status === 200);
      report(
        'guard rollback → legacy served by (ms after the rollback committed)',
        Object.fromEntries(Object.entries(took).map(([name, t]) => [name, t.at - since])),
      );
      const judge = rollback.actor.replace(/^guard:/, '');
      expect(instances.map((i) => i.child.pid)).toContain(pidOf(judge));
      expect(rollback).toMatchObject({ step: 0, reason: expect.stringMatching(/^guard: error rate/) });
    } finally {
      await db.pool.query('alter view gene_list_detailed_hidden rename to gene_list_detailed');
    }
  });

  it('a killed leader is replaced by another instance', async () => {
    const leader = (await latestVerdict())?.instance_id ?? '';
    const victim = instances.find((i) => i.child.pid === pidOf(leader));
    if (!victim) throw new Error(`the leader ${leader} is none of the instances`);
    const killedAt = Date.now();
    victim.child.kill('SIGKILL');
    expect((await victim.exited).signal).toBe('SIGKILL');
    // A few guard intervals: the lock goes with the dead session, a follower takes it on its next tick.
    const { value: next } = await waitFor(
      'a verdict by another instance',
      async () => {
        const v = await latestVerdict();
        return v && v.instance_id !== leader ? v : undefined;
      },
      10 * GUARD_INTERVAL_S * 1000,
    );
    console.log(
      `guard takeover: ${victim.name} killed, ${instances.find((i) => i.child.pid === pidOf(next.instance_id))?.name} judged ${next.at.getTime() - killedAt} ms later (interval ${GUARD_INTERVAL_S} s)`,
    );
    const survivors = instances.filter((i) => i !== victim).map((i) => i.child.pid);
    expect(survivors).toContain(pidOf(next.instance_id));
    expect(await advisoryHolders('kgdb:rollout:guard')).toHaveLength(1);
    await waitFor(
      'the dead leader’s guard connection to be gone',
      async () => (await guardConnections()) === 2,
    );
  });
});
