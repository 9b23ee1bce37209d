import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPool, type Pool } from '../../src/db/pool.js';
import { createExperimentRecorder } from '../../src/rollout/experiment-recorder.js';
import type { ExperimentResult, Outcome } from '../../src/rollout/experiment-types.js';
import { createRolloutWindow } from '../../src/rollout/rollout-window.js';
import { quantile, totalCount } from '../../src/rollout/rollout-window-histogram.js';
import { readArmTotals, readExperimentTotals, readSamples } from '../../src/rollout/rollout-window-store.js';
import { createWindowWriter } from '../../src/rollout/rollout-window-writer.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

let db: TestDatabase;
let second: Pool;

beforeAll(async () => {
  db = await createTestDatabase();
  // The second "instance" has its own pool, as a second process would.
  second = createPool({ connectionString: db.url, max: 2 });
});
afterAll(async () => {
  await second.end();
  await db.drop();
});

const result = (name: string, outcome: Outcome, controlMs = 10, candidateMs = 12): ExperimentResult => ({
  name,
  mode: 'ab',
  outcome,
  diff: outcome === 'match' ? [] : [`${outcome} diff`],
  control: { arm: 'control', ms: controlMs, ok: true, value: 1 },
  candidate: outcome === 'timeout' ? null : { arm: 'candidate', ms: candidateMs, ok: true, value: 1 },
  request: { n: 1 },
});

function instance(pool: Pool, instanceId: string, sampleCap = 1000) {
  const window = createRolloutWindow({ windowMs: 10_000 });
  const recorder = createExperimentRecorder({ window, maxQueuedSamples: 2000 });
  const writer = createWindowWriter({ pool, instanceId, window, recorder, sampleCap });
  return { window, recorder, writer };
}

describe('issue 5: counters live in the database, so all instances add up', () => {
  it('two recorders on one database: counts, request windows and durations sum', async () => {
    const a = instance(db.pool, 'instance-a');
    const b = instance(second, 'instance-b');
    const plan: Array<[Outcome, number]> = [
      ['match', 40],
      ['mismatch', 3],
      ['candidate_error', 2],
      ['timeout', 1],
      ['control_error', 1],
      ['ignored', 2],
    ];
    for (const inst of [a, b]) {
      for (const [outcome, n] of plan)
        for (let i = 0; i < n; i++) inst.recorder.record(result('sum_test', outcome));
      for (let i = 0; i < 100; i++) inst.window.observeRequest('views', 30, i < 3);
      for (let i = 0; i < 50; i++) inst.window.observeRequest('legacy', 20, false);
    }
    // Several flushes of each, interleaved and concurrent: additive upserts never lose or double a count.
    a.recorder.record(result('sum_test', 'match'));
    await Promise.all([a.writer.flush(), b.writer.flush()]);
    b.recorder.record(result('sum_test', 'match'));
    await Promise.all([a.writer.flush(), b.writer.flush(), b.writer.flush()]);

    const [totals] = await readExperimentTotals(db.pool, new Date(Date.now() - 60_000), ['sum_test']);
    expect(totals?.instances).toBe(2);
    expect(totals?.counts).toEqual({
      match: 82,
      mismatch: 6,
      candidate_error: 4,
      timeout: 2,
      control_error: 2,
      ignored: 4,
    });
    expect(totalCount(totals?.controlLatency ?? [])).toBe(100);
    expect(totalCount(totals?.candidateLatency ?? [])).toBe(98);
    expect(quantile(totals?.candidateLatency ?? [], 0.5)).toBeGreaterThan(10);

    const arms = await readArmTotals(db.pool, new Date(Date.now() - 60_000));
    expect(arms.map((r) => [r.arm, r.requests, r.errors, r.instances])).toEqual([
      ['legacy', 100, 0, 2],
      ['views', 200, 6, 2],
    ]);
    const samples = await readSamples(db.pool, { experiment: 'sum_test', limit: 1000 });
    expect(samples).toHaveLength(2 * (3 + 2 + 1 + 1 + 2));
    expect(new Set(samples.map((s) => s.instance_id))).toEqual(new Set(['instance-a', 'instance-b']));
  });

  it('mismatch samples are capped per experiment, oldest dropped', async () => {
    const inst = instance(db.pool, 'instance-cap', 50);
    for (let i = 0; i < 80; i++)
      inst.recorder.record({ ...result('cap_test', 'mismatch'), diff: [`n=${i}`] });
    await inst.writer.flush();
    for (let i = 80; i < 90; i++)
      inst.recorder.record({ ...result('cap_test', 'mismatch'), diff: [`n=${i}`] });
    inst.recorder.record({ ...result('cap_other', 'mismatch'), diff: ['other'] });
    await inst.writer.flush();
    const kept = await readSamples(db.pool, { experiment: 'cap_test', limit: 1000 });
    expect(kept).toHaveLength(50);
    expect(kept[0]?.diff).toEqual(['n=89']);
    expect(kept.at(-1)?.diff).toEqual(['n=40']);
    expect(await readSamples(db.pool, { experiment: 'cap_other', limit: 10 })).toHaveLength(1);
  });

  it('a failed write keeps the counts for the next flush', async () => {
    const dead = createPool({ connectionString: 'postgres://nobody:x@127.0.0.1:1/none', max: 1 });
    const window = createRolloutWindow();
    const recorder = createExperimentRecorder({ window });
    const failing = createWindowWriter({ pool: dead, instanceId: 'instance-retry', window, recorder });
    recorder.record(result('retry_test', 'match'));
    window.observeRequest('views', 5, false);
    await failing.flush();
    expect(failing.stats().failures).toBe(1);
    await dead.end();
    const healthy = createWindowWriter({ pool: db.pool, instanceId: 'instance-retry', window, recorder });
    await healthy.flush();
    const [totals] = await readExperimentTotals(db.pool, new Date(Date.now() - 60_000), ['retry_test']);
    expect(totals?.counts.match).toBe(1);
  });
});
