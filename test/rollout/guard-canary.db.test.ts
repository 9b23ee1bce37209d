import { once } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_GUARD_OPTIONS, DEFAULT_GUARD_THRESHOLDS } from '../../src/config.js';
import { createPool, type Pool } from '../../src/db/pool.js';
import type { Metrics } from '../../src/metrics/metrics.js';
import type { ExperimentDefinition } from '../../src/rollout/experiments/experiment-registry.js';
import type { FlagSnapshot } from '../../src/rollout/flags/flag-snapshot.js';
import type { FlagStore } from '../../src/rollout/flags/flag-store.js';
import type { FlagPatch } from '../../src/rollout/flags/flag-types.js';
import type { Verdict } from '../../src/rollout/guard/guard.js';
import { createGuardLoop, type GuardLoop } from '../../src/rollout/guard/guard-loop.js';
import type { RolloutDeps } from '../../src/rollout/rollout-deps.js';
import { VIEWS_ROLLOUT } from '../../src/rollout-plan.js';
import { composeTestApp } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

/**
 * rollout Guard, Kayenta-style, on two instances sharing one database: the views (candidate) are judged against
 * the legacy arm (control) over the same window. Load that slows both arms alike and a database outage both
 * arms see hold the rollout where it is; neither is the candidate's fault. Each instance is a composed app
 * with its own flag store and snapshot; its guard loop is built here, wired as the composition wires its own,
 * because the test ticks it.
 */
let db: TestDatabase;
let dead: Pool;
/** The first instance's store: the test's flag changes go through it (as through that instance's API). */
let store: FlagStore;
const instances: Array<{
  id: string;
  rollout: RolloutDeps<Metrics>;
  snapshot: FlagSnapshot;
  app: FastifyInstance;
  guard: GuardLoop;
}> = [];

const FLAG = 'use_database_views';
const CONCURRENCY = 200;

/**
 * Simulated load, per instance: each call waits 20 ms plus 1.5 ms per call in flight on that instance, whichever
 * arm runs it — at 200 concurrent calls well over 200 ms, alike for both arms.
 */
function slowExperiment(): ExperimentDefinition<null, unknown[]> {
  let inFlight = 0;
  const underLoad = async () => {
    inFlight++;
    try {
      await delay(20 + inFlight * 1.5);
      return [{ id: 1 }, { id: 2 }];
    } finally {
      inFlight--;
    }
  };
  return { name: 'canary_slow', sampleRequests: () => [null], control: underLoad, candidate: underLoad };
}

/** Both arms read through a pool whose server refuses connections: every call is a database outage. */
function outageExperiment(): ExperimentDefinition<null, unknown[]> {
  const read = async () => (await dead.query('select 1 as id')).rows;
  return { name: 'canary_outage', sampleRequests: () => [null], control: read, candidate: read };
}

let client = 0;
/** CONCURRENCY requests at once on every instance, from distinct callers (so both arms serve). */
async function burst(url: string): Promise<number[]> {
  const responses = await Promise.all(
    instances.flatMap(({ app }) =>
      Array.from({ length: CONCURRENCY }, () =>
        app.inject({ method: 'GET', url, headers: { 'x-client-id': `k${client++}` } }),
      ),
    ),
  );
  return responses.map((r) => r.statusCode);
}

/**
 * Bursts until the guard leader's verdict is based on enough samples (the windows of a flag change's first
 * second do not count) and `ready` says the window holds what the test is about, then that verdict. The
 * deadline is generous; the loop ends on the event.
 */
async function verdictAfterLoad(
  url: string,
  statuses: Set<number>,
  ready: (v: Verdict) => boolean = () => true,
): Promise<Verdict> {
  const deadline = Date.now() + 45_000;
  for (;;) {
    for (const status of await burst(url)) statuses.add(status);
    await Promise.all(instances.map((i) => i.rollout.experimenter.drain()));
    await Promise.all(instances.map((i) => i.rollout.writer.flush()));
    const ticks = await Promise.all(instances.map((i) => i.guard.tick()));
    const leader = ticks.find((t) => t.role === 'leader');
    const verdict = leader && 'verdict' in leader ? leader.verdict : null;
    if (verdict && !(verdict.kind === 'hold' && verdict.why === 'too_few_samples') && ready(verdict))
      return verdict;
    if (Date.now() > deadline) throw new Error(`no conclusive verdict: ${JSON.stringify(verdict)}`);
  }
}

const rollbackEvents = async () => (await store.events(FLAG)).filter((e) => e.action === 'rollback');

/** The flag as the database holds it: a rollback by either instance's guard would show here at once. */
const stepInDatabase = async () => (await store.get(FLAG))?.step;

/** Waits until `snapshot` has applied version >= `version` of flag `key` (its own store's, or by NOTIFY). */
async function untilApplied(snapshot: FlagSnapshot, key: string, version: number): Promise<void> {
  const signal = AbortSignal.timeout(30_000);
  while ((snapshot.get(key)?.version ?? 0) < version) {
    await once(snapshot.events, 'applied', { signal }).catch(() => {
      throw new Error(`${key} v${version} not applied within 30 s`);
    });
  }
}

/** A flag change through the first instance's store, once every instance evaluates it. */
async function change(key: string, patch: FlagPatch, reason: string): Promise<void> {
  const { flag } = await store.update(key, patch, { actor: 'test', reason });
  await Promise.all(instances.map((i) => untilApplied(i.snapshot, key, flag.version)));
}

async function moveTo(step: number) {
  // Every instance evaluates the change before any traffic: the guard judges from this change on.
  await change(FLAG, { step }, `guard canary test at step ${step}`);
  for (const i of instances) expect(i.snapshot.get(FLAG)?.step).toBe(step);
}

beforeAll(async () => {
  db = await createTestDatabase(20);
  dead = createPool({ connectionString: 'postgres://nobody:x@127.0.0.1:1/none', max: 4 });
  for (const id of ['canary-a', 'canary-b']) {
    const { app, flags, flagSnapshot, rollout } = await composeTestApp(db.pool, {
      swaps: { rollout: { instanceId: id, windowMs: 1000 } },
    });
    const slow = slowExperiment();
    const outage = outageExperiment();
    rollout.experiments.register(slow);
    rollout.experiments.register(outage);
    app.get('/test/canary/slow', async (request) => rollout.armSwitch.run(slow, null, request));
    app.get('/test/canary/outage', async (request) => rollout.armSwitch.run(outage, null, request));
    await app.ready();
    const guard = createGuardLoop({
      pool: db.pool,
      flags: flagSnapshot,
      store: flags,
      instanceId: rollout.instanceId,
      beforeEvaluate: rollout.writer.flush,
      plan: VIEWS_ROLLOUT,
      options: {
        ...DEFAULT_GUARD_OPTIONS,
        lookbackMs: 60_000,
        // A long bake: these tests are about rolling back or holding, never promotion.
        bakeMs: 3_600_000,
        thresholds: { ...DEFAULT_GUARD_THRESHOLDS, minSamples: 100 },
      },
    });
    if (instances.length === 0) store = flags;
    instances.push({ id, rollout, snapshot: flagSnapshot, app, guard });
  }
  await change('enable_shadow_testing', { percentage: 100 }, 'every call shadowed');
}, 120_000);

afterAll(async () => {
  for (const i of instances) await i.guard.stop();
  for (const i of instances) await i.app.close();
  await dead?.end();
  await db?.drop();
});

describe('rollout Guard: the candidate is judged against the control measured at the same time', () => {
  it('overload: both arms over 200 ms alike at c=200 on two instances leaves the rollout where it is', async () => {
    await moveTo(2);
    const statuses = new Set<number>();
    const verdict = await verdictAfterLoad('/test/canary/slow', statuses);
    expect([...statuses]).toEqual([200]);
    expect(verdict.kind).not.toBe('rollback');
    expect(verdict.measured.instances).toBe(2);
    expect(verdict.measured.samples).toBeGreaterThanOrEqual(100);
    // The case of the probe: the views' p99 over the absolute 200 ms, the legacy arm's as high.
    expect(verdict.measured.p99_ms).toBeGreaterThan(200);
    expect(verdict.measured.control_p99_ms).toBeGreaterThan(200);
    expect(verdict.measured.p99_ratio).toBeLessThan(2);
    expect(await stepInDatabase()).toBe(2);
    expect(await rollbackEvents()).toEqual([]);
  }, 90_000);

  it('database outage on both arms (503 DATABASE_UNAVAILABLE): hold "inconclusive: database unavailable"', async () => {
    await moveTo(3);
    const statuses = new Set<number>();
    const verdict = await verdictAfterLoad('/test/canary/outage', statuses);
    expect([...statuses]).toEqual([503]);
    expect(verdict).toMatchObject({
      kind: 'hold',
      why: 'inconclusive: database unavailable',
      measured: { database_unavailable: true, served_errors: 0, control_errors: 0 },
    });
    expect(verdict.measured.served_unavailable).toBeGreaterThan(0);
    expect(verdict.measured.control_unavailable).toBeGreaterThan(0);
    expect(await stepInDatabase()).toBe(3);
    expect(await rollbackEvents()).toEqual([]);
  }, 90_000);

  it('database outage at 100 %: the serving arm and the verifications’ control both fail → hold', async () => {
    await moveTo(5);
    const statuses = new Set<number>();
    // Verifications start first in a burst (at most 2 at once per instance): wait for a window that has them.
    const verdict = await verdictAfterLoad(
      '/test/canary/outage',
      statuses,
      (v) => v.measured.control_runs > 0,
    );
    expect([...statuses]).toEqual([503]);
    expect(verdict).toMatchObject({
      kind: 'hold',
      why: 'inconclusive: database unavailable',
      measured: { database_unavailable: true, control_requests: 0 },
    });
    expect(verdict.measured.control_run_errors).toBeGreaterThan(0);
    expect(await stepInDatabase()).toBe(5);
    expect(await rollbackEvents()).toEqual([]);
  }, 90_000);
});
