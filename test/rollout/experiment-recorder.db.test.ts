import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_GUARD_THRESHOLDS } from '../../src/config.js';
import { createPool, type Pool } from '../../src/db/pool.js';
import { createExperimentRecorder } from '../../src/rollout/experiments/experiment-recorder.js';
import type { ExperimentResult } from '../../src/rollout/experiments/experiment-types.js';
import { guardVerdict } from '../../src/rollout/guard/guard.js';
import { readWindowStats } from '../../src/rollout/guard/guard-store.js';
import { createRolloutWindow } from '../../src/rollout/window/rollout-window.js';
import { quantile, totalCount } from '../../src/rollout/window/rollout-window-histogram.js';
import { readSamples } from '../../src/rollout/window/rollout-window-samples.js';
import { readArmTotals, readExperimentTotals } from '../../src/rollout/window/rollout-window-store.js';
import { createWindowWriter } from '../../src/rollout/window/rollout-window-writer.js';
import type { ExperimentSource, Outcome } from '../../src/rollout/window/window-labels.js';
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
  rules: [],
  source: 'live',
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

describe('counters live in the database, so all instances add up', () => {
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

const ignored = (name: string, rules: string[], source: ExperimentSource = 'live'): ExperimentResult => ({
  ...result(name, 'ignored'),
  diff: ['rows[id=2].score: 3.14159 → 3.14'],
  rules,
  source,
});

describe('declared differences and admin runs, in the database', () => {
  it('per-rule ignored counts add up across instances and flushes', async () => {
    const a = instance(db.pool, 'rules-a');
    const b = instance(second, 'rules-b');
    for (let i = 0; i < 3; i++) a.recorder.record(ignored('rules_test', ['rounding']));
    a.recorder.record(ignored('rules_test', ['label_added', 'rounding']));
    b.recorder.record(ignored('rules_test', ['rounding']));
    await Promise.all([a.writer.flush(), b.writer.flush()]);
    b.recorder.record(ignored('rules_test', ['label_added']));
    b.recorder.record(result('rules_test', 'mismatch'));
    await b.writer.flush();

    const [totals] = await readExperimentTotals(db.pool, new Date(Date.now() - 60_000), ['rules_test']);
    expect(totals?.instances).toBe(2);
    expect(totals?.counts).toMatchObject({ ignored: 6, mismatch: 1 });
    // A run two rules explained counts for both.
    expect(totals?.ignoredByRule).toEqual({ rounding: 5, label_added: 2 });
  });

  it('samples keep their rules and source; the cap is per source', async () => {
    const inst = instance(db.pool, 'samples-src', 3);
    inst.recorder.record(ignored('sample_src', ['label_added', 'rounding']));
    for (let i = 0; i < 5; i++)
      inst.recorder.record({ ...result('sample_src', 'mismatch'), source: 'admin' });
    await inst.writer.flush();
    const live = await readSamples(db.pool, { experiment: 'sample_src', source: 'live', limit: 10 });
    expect(live).toHaveLength(1);
    expect(live[0]).toMatchObject({
      outcome: 'ignored',
      source: 'live',
      rules: ['label_added', 'rounding'],
      diff: ['rows[id=2].score: 3.14159 → 3.14'],
    });
    const admin = await readSamples(db.pool, { experiment: 'sample_src', source: 'admin', limit: 10 });
    expect(admin.map((s) => [s.source, s.outcome, s.rules])).toEqual(
      Array.from({ length: 3 }, () => ['admin', 'mismatch', []]),
    );
  });

  it('admin runs are kept apart: not in live totals, not in the guard window stats', async () => {
    const inst = instance(db.pool, 'admin-apart');
    for (let i = 0; i < 4; i++) inst.recorder.record(result('apart_test', 'match'));
    inst.recorder.record(ignored('apart_test', ['rounding']));
    for (let i = 0; i < 50; i++)
      inst.recorder.record({ ...result('apart_test', 'mismatch'), source: 'admin' });
    inst.recorder.record({ ...ignored('apart_test', ['admin_rule']), source: 'admin' });
    await inst.writer.flush();

    const since = new Date(Date.now() - 60_000);
    const only = ['apart_test'];
    const [live] = await readExperimentTotals(db.pool, since, only, 'live');
    const [admin] = await readExperimentTotals(db.pool, since, only, 'admin');
    const [all] = await readExperimentTotals(db.pool, since, only, 'all');
    expect([live?.counts.match, live?.counts.mismatch, live?.counts.ignored]).toEqual([4, 0, 1]);
    expect(live?.ignoredByRule).toEqual({ rounding: 1 });
    expect([admin?.counts.match, admin?.counts.mismatch, admin?.ignoredByRule]).toEqual([
      0,
      50,
      { admin_rule: 1 },
    ]);
    expect([all?.counts.mismatch, all?.ignoredByRule]).toEqual([50, { rounding: 1, admin_rule: 1 }]);

    // An arm that served nothing: only this experiment's rows make up the stats.
    const stats = await readWindowStats(db.pool, {
      arm: 'no_traffic',
      controlArm: 'legacy',
      experiments: only,
      since,
      until: new Date(),
    });
    expect(stats.shadow.counts).toMatchObject({ match: 4, mismatch: 0, ignored: 1 });
    expect(stats.shadow.ignoredByRule).toEqual({ rounding: 1 });
    // The minimum sample rule sees the 5 live runs, not the 51 admin ones.
    const rollout = {
      rolling: true,
      percentage: 10,
      step: 1,
      atLastStep: false,
      autoPromote: true,
      bakeMs: 0,
      changedAt: since,
      healthySince: null,
    };
    expect(
      guardVerdict({ stats, rollout }, { ...DEFAULT_GUARD_THRESHOLDS, minSamples: 10 }, new Date()),
    ).toMatchObject({ kind: 'hold', why: 'too_few_samples', measured: { samples: 5 } });
  });
});
