import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExperimentDefinition } from '../../src/rollout/experiments/experiment-registry.js';
import type { FlagStore } from '../../src/rollout/flags/flag-store.js';
import { readSamples } from '../../src/rollout/window/rollout-window-samples.js';
import { readExperimentTotals } from '../../src/rollout/window/rollout-window-store.js';
import { composeTestApp } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

/**
 * With 100 % shadow sampling the responses are those of shadowing off; a candidate that throws, one
 * that hangs past its timeout and one that returns a different row each give their outcome and a stored diff.
 */
let db: TestDatabase;
let app: FastifyInstance;
let store: FlagStore;

type Row = { id: number; label: string; score: number; updated_at: Date };
const HANG_TIMEOUT_MS = 5000;

async function items(order: 'asc' | 'desc'): Promise<Row[]> {
  const { rows } = await db.pool.query<Row>(
    `select i.id, i.label, i.score, i.updated_at from shadow_items i order by i.id ${order}`,
  );
  return rows;
}

/** How often each path of the 'served' experiment ran. */
const servedRuns = { control: 0, candidate: 0, serve: 0 };

function definitions(): Record<string, ExperimentDefinition<{ kind: string }, Row[]>> {
  const base = {
    sampleRequests: () => [{ kind: 'x' }],
    control: () => items('asc'),
    ignore: ['updated_at'],
  };
  return {
    ok: {
      ...base,
      name: 'shadow_ok',
      // Another order and fresh timestamps: equal as a multiset with updated_at ignored.
      candidate: async () => (await items('desc')).map((r) => ({ ...r, updated_at: new Date() })),
    },
    throws: {
      ...base,
      name: 'shadow_throws',
      candidate: async () => {
        throw new Error('views path exploded');
      },
    },
    hangs: {
      ...base,
      name: 'shadow_hangs',
      timeoutMs: HANG_TIMEOUT_MS,
      candidate: () => new Promise<Row[]>(() => {}),
    },
    differs: {
      ...base,
      name: 'shadow_differs',
      candidate: async () =>
        (await items('asc')).filter((r) => r.id !== 5).map((r) => (r.id === 3 ? { ...r, score: 4 } : r)),
    },
    control_fails: {
      ...base,
      name: 'shadow_control_fails',
      control: async () => {
        throw new Error('legacy path exploded');
      },
      candidate: () => items('asc'),
    },
    served: {
      ...base,
      name: 'shadow_served',
      control: () => {
        servedRuns.control++;
        return items('asc');
      },
      candidate: () => {
        servedRuns.candidate++;
        return items('desc');
      },
      // What a cache in front of the candidate would answer: the same rows, marked so the test sees who served.
      serve: async () => {
        servedRuns.serve++;
        return (await items('desc')).map((r) => ({ ...r, label: `served ${r.label}` }));
      },
    },
  };
}

async function setShadow(percentage: number) {
  await store.update('enable_shadow_testing', { percentage }, { actor: 'test', reason: 'shadow test' });
}

const get = (kind: string) => app.inject({ method: 'GET', url: `/test/shadow/${kind}` });
const KINDS = ['ok', 'throws', 'hangs', 'differs', 'control_fails'] as const;
const CALLS = 3;

beforeAll(async () => {
  db = await createTestDatabase();
  await db.pool.query(
    `create table shadow_items (id int primary key, label text not null, score float8 not null,
                                updated_at timestamptz not null default now())`,
  );
  await db.pool.query(
    `insert into shadow_items (id, label, score) values (1, 'a', 1.25), (2, 'b', 2), (3, 'c', 3.5), (4, 'd', 87.5), (5, 'e', 0.1)`,
  );
  // Room for every hanging candidate of the test (the default cap, half the pool, would skip some).
  const composition = await composeTestApp(db.pool, { swaps: { rollout: { maxInFlight: 32 } } });
  app = composition.app;
  store = composition.flags;
  // The legacy arm serves until the last test turns the views on (a fresh database may start on the views).
  await store.update('use_database_views', { step: 0 }, { actor: 'test' });
  const defs = definitions();
  for (const def of Object.values(defs)) app.rollout.experiments.register(def);
  app.get<{ Params: { kind: string } }>('/test/shadow/:kind', async (request) => {
    const def = defs[request.params.kind];
    if (!def) throw new Error('unknown kind');
    const rows = await app.rollout.armSwitch.run(def, { kind: request.params.kind }, request);
    return { arm: request.arm, rows };
  });
  await app.ready();
}, 120_000);

afterAll(async () => {
  await app?.close();
  await db?.drop();
});

describe('100 % shadow sampling never changes a response', () => {
  const off = new Map<string, { status: number; body: unknown }>();

  it('shadowing off: the control serves and nothing is recorded', async () => {
    await setShadow(0);
    for (const kind of KINDS) {
      const res = await get(kind);
      off.set(kind, {
        status: res.statusCode,
        body: res.statusCode === 200 ? res.json() : res.json().error.code,
      });
    }
    expect(off.get('ok')?.status).toBe(200);
    expect(off.get('control_fails')).toEqual({ status: 500, body: 'INTERNAL' });
    await app.rollout.experimenter.drain();
    await app.rollout.writer.flush();
    expect(await readExperimentTotals(db.pool, new Date(0))).toEqual([]);
  });

  it('shadowing at 100 %: identical responses, and the control does not wait for a hanging candidate', async () => {
    await setShadow(100);
    for (let i = 0; i < CALLS; i++) {
      for (const kind of KINDS) {
        const res = await get(kind);
        const body = res.statusCode === 200 ? res.json() : res.json().error.code;
        expect({ status: res.statusCode, body }).toEqual(off.get(kind));
        // The candidate hangs for ever and only its timeout ends the comparison: the first response came
        // before any timeout was recorded.
        if (kind === 'hangs' && i === 0) {
          const metrics = (await app.inject({ url: '/metrics' })).body;
          expect(metrics).not.toMatch(
            /kgdb_experiment_outcomes_total\{[^}]*shadow_hangs[^}]*timeout[^}]*\} [1-9]/,
          );
        }
      }
    }
    expect(app.rollout.experimenter.stats().inFlight).toBeGreaterThanOrEqual(CALLS);
  });

  it('records the right outcome per experiment, in the database', async () => {
    await app.rollout.experimenter.drain();
    await app.rollout.writer.flush();
    const totals = await readExperimentTotals(db.pool, new Date(0));
    const count = (experiment: string, outcome: string) =>
      totals.find((t) => t.experiment === experiment)?.counts[outcome as 'match'] ?? 0;
    expect(count('shadow_ok', 'match')).toBe(CALLS);
    expect(count('shadow_throws', 'candidate_error')).toBe(CALLS);
    expect(count('shadow_hangs', 'timeout')).toBe(CALLS);
    expect(count('shadow_differs', 'mismatch')).toBe(CALLS);
    expect(count('shadow_control_fails', 'control_error')).toBe(CALLS);
    const total = totals.reduce((s, t) => s + Object.values(t.counts).reduce((a, b) => a + b, 0), 0);
    expect(total).toBe(CALLS * KINDS.length);
  });

  it('stores each non-match with its readable diff', async () => {
    const diffOf = async (experiment: string) => (await readSamples(db.pool, { experiment, limit: 10 }))[0];
    expect(await diffOf('shadow_ok')).toBeUndefined();
    expect(await diffOf('shadow_throws')).toMatchObject({
      outcome: 'candidate_error',
      diff: ['candidate failed: views path exploded'],
    });
    expect(await diffOf('shadow_hangs')).toMatchObject({
      outcome: 'timeout',
      diff: [`candidate did not finish within ${HANG_TIMEOUT_MS} ms`],
      candidate_ms: null,
    });
    const differs = await diffOf('shadow_differs');
    expect(differs).toMatchObject({ outcome: 'mismatch', request: { kind: 'differs' } });
    expect(differs?.diff).toEqual([
      'rows[id=3].score: 3.5 → 4',
      'rows: missing row {"id":5,"label":"e","score":0.1}',
    ]);
    expect(await diffOf('shadow_control_fails')).toMatchObject({
      outcome: 'control_error',
      diff: ['control failed: legacy path exploded'],
    });
  });

  it('the rollout flag on for everyone, no sampling: the views path serves, nothing else runs', async () => {
    await store.update('use_database_views', { step: 5 }, { actor: 'test' });
    await setShadow(0);
    const before = app.rollout.experimenter.stats().started;
    const res = await get('ok');
    expect(res.json().arm).toBe('views');
    expect(app.rollout.experimenter.stats().started).toBe(before);
    // The candidate answered: its order (desc), which the legacy arm never returns.
    expect(res.json().rows.map((r: Row) => r.id)).toEqual([5, 4, 3, 2, 1]);
    const served = await get('served');
    expect(served.json().rows[0].label).toBe('served e');
    expect(servedRuns).toEqual({ control: 0, candidate: 0, serve: 1 });
  });

  it('the rollout flag on, every call sampled: `serve` answers, control vs candidate is verified and recorded live', async () => {
    await setShadow(100);
    const res = await get('served');
    expect(res.json().arm).toBe('views');
    expect(res.json().rows.map((r: Row) => r.label)).toEqual(
      ['e', 'd', 'c', 'b', 'a'].map((l) => `served ${l}`),
    );
    await app.rollout.experimenter.drain();
    expect(servedRuns).toEqual({ control: 1, candidate: 1, serve: 2 });
    await app.rollout.writer.flush();
    const [live] = await readExperimentTotals(db.pool, new Date(0), ['shadow_served'], 'live');
    expect(live?.counts).toMatchObject({ match: 1, mismatch: 0 });
    expect(await readExperimentTotals(db.pool, new Date(0), ['shadow_served'], 'admin')).toEqual([]);
    await store.update('use_database_views', { step: 0 }, { actor: 'test' });
    expect((await get('ok')).json().arm).toBe('legacy');
  });
});
