import { describe, expect, it } from 'vitest';
import { type ArmRequest, createArmSwitch } from '../../src/rollout/experiments/arm-switch.js';
import type { ExperimentDefinition } from '../../src/rollout/experiments/experiment-registry.js';
import type { ExperimentResult } from '../../src/rollout/experiments/experiment-types.js';
import { createExperimenter } from '../../src/rollout/experiments/experimenter.js';
import type { Evaluation } from '../../src/rollout/flags/flag-types.js';
import { VIEWS_ROLLOUT } from '../../src/rollout-plan.js';

/** Flags fixed per key: the rollout flag on or off for everyone, the shadow flag sampling every call or none. */
function fixedFlags(values: Record<string, boolean>) {
  return {
    evaluate: (key: string): Evaluation => ({
      key,
      value: values[key] ?? false,
      variant: values[key] ? 'on' : 'off',
      reason: 'static',
      bucket: null,
      percentage: null,
      step: null,
    }),
  };
}

/** Counts every path's runs; control and candidate wait for `release` when `hold` is set. */
function paths(hold = false) {
  const runs = { control: 0, candidate: 0, serve: 0 };
  const waiting: Array<() => void> = [];
  const held = <T>(value: T) =>
    hold ? new Promise<T>((resolve) => waiting.push(() => resolve(value))) : Promise.resolve(value);
  const definition: ExperimentDefinition<number, number[]> = {
    name: 'switch_test',
    sampleRequests: () => [1],
    control: (n) => {
      runs.control++;
      return held([n, n + 1]);
    },
    candidate: (n) => {
      runs.candidate++;
      return held([n + 1, n]);
    },
    serve: async (n) => {
      runs.serve++;
      return [n, n + 1, 0];
    },
  };
  const release = () => {
    for (const go of waiting.splice(0)) go();
  };
  return { runs, definition, release };
}

function setup(flags: Record<string, boolean>, maxVerifyInFlight?: number) {
  const results: ExperimentResult[] = [];
  const experimenter = createExperimenter({
    recorder: { record: (r) => results.push(r) },
    maxVerifyInFlight,
  });
  const armSwitch = createArmSwitch({
    flags: fixedFlags(flags),
    experimenter,
    plan: VIEWS_ROLLOUT,
    userIdOf: () => null,
  });
  const request = (): ArmRequest => ({ headers: {}, arm: null });
  return { experimenter, armSwitch, results, request };
}

const ON = { use_database_views: true };

describe('the arm switch with the rollout flag on: serve answers, sampled calls are verified', () => {
  it('not sampled: `serve` answers and neither control nor candidate runs', async () => {
    const { armSwitch, experimenter, results, request } = setup({ ...ON, enable_shadow_testing: false });
    const { runs, definition } = paths();
    const req = request();
    expect(await armSwitch.run(definition, 7, req)).toEqual([7, 8, 0]);
    expect(req.arm).toBe('views');
    await experimenter.drain();
    expect(runs).toEqual({ control: 0, candidate: 0, serve: 1 });
    expect(results).toEqual([]);
  });

  it('sampled: `serve` answers at once; control and candidate are compared detached, as a live ab result', async () => {
    const { armSwitch, experimenter, results, request } = setup({ ...ON, enable_shadow_testing: true });
    const { runs, definition, release } = paths(true);
    // Answered while control and candidate are still held: the response never waits for the verification.
    expect(await armSwitch.run(definition, 7, request())).toEqual([7, 8, 0]);
    expect(experimenter.stats().verifying).toBe(1);
    release();
    await experimenter.drain();
    expect(runs).toEqual({ control: 1, candidate: 1, serve: 1 });
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ name: 'switch_test', mode: 'ab', source: 'live', outcome: 'match' });
    expect(results[0]?.control).toMatchObject({ ok: true, value: [7, 8] });
    expect(results[0]?.candidate).toMatchObject({ ok: true, value: [8, 7] });
  });

  it('sampled: at most maxVerifyInFlight verifications run; the others are skipped and counted', async () => {
    const { armSwitch, experimenter, results, request } = setup({ ...ON, enable_shadow_testing: true }, 2);
    const { runs, definition, release } = paths(true);
    for (let i = 0; i < 3; i++) expect(await armSwitch.run(definition, i, request())).toEqual([i, i + 1, 0]);
    expect(experimenter.stats()).toMatchObject({ verifying: 2, verifySkipped: 1 });
    release();
    await experimenter.drain();
    expect(runs).toEqual({ control: 2, candidate: 2, serve: 3 });
    expect(results).toHaveLength(2);
  });

  it('without `serve` the candidate answers', async () => {
    const { armSwitch, request } = setup({ ...ON, enable_shadow_testing: false });
    const { runs, definition } = paths();
    const { serve: _serve, ...withoutServe } = definition;
    expect(await armSwitch.run(withoutServe, 7, request())).toEqual([8, 7]);
    expect(runs).toEqual({ control: 0, candidate: 1, serve: 0 });
  });

  it('decide(): `sampled` means this call runs a comparison, on either arm', () => {
    for (const on of [true, false]) {
      const { armSwitch, request } = setup({ use_database_views: on, enable_shadow_testing: true });
      const req = request();
      expect(armSwitch.decide(req)).toMatchObject({ arm: on ? 'views' : 'legacy', sampled: true });
      expect(req.arm).toBe(on ? 'views' : 'legacy');
    }
  });
});

describe('the arm switch with the rollout flag off: unchanged', () => {
  it('the control answers; a sampled call shadows the candidate, `serve` never runs', async () => {
    const { armSwitch, experimenter, results, request } = setup({ enable_shadow_testing: true });
    const { runs, definition } = paths();
    expect(await armSwitch.run(definition, 7, request())).toEqual([7, 8]);
    await experimenter.drain();
    expect(runs).toEqual({ control: 1, candidate: 1, serve: 0 });
    expect(results[0]).toMatchObject({ source: 'live', outcome: 'match' });
  });
});
