import { describe, expect, it } from 'vitest';
import { currentTiming, newRequestTiming, recordQuery, runTimed } from '../../src/request-timing.js';
import { createExperimenter } from '../../src/rollout/experiments/experimenter.js';

/** docs/rollout.md, "Which arm served": detached comparisons are not the cost of the request they sampled. */
describe('detached comparison work runs outside the caller’s request context', () => {
  const spec = (seen: string[]) => ({
    name: 'detached',
    control: async () => {
      seen.push(currentTiming() ? 'control:in-request' : 'control:detached');
      recordQuery(5);
      return 1;
    },
    candidate: async () => {
      seen.push(currentTiming() ? 'candidate:in-request' : 'candidate:detached');
      recordQuery(7);
      return 1;
    },
    timeoutMs: 5_000,
  });

  it('a shadow run: the serving control counts for the request, the candidate does not', async () => {
    const experimenter = createExperimenter({ recorder: { record: () => {} } });
    const timing = newRequestTiming();
    const seen: string[] = [];
    await runTimed(timing, () => experimenter.run({ ...spec(seen), sample: true }));
    await experimenter.drain();
    expect(seen.sort()).toEqual(['candidate:detached', 'control:in-request']);
    expect(timing).toMatchObject({ dbMs: 5, queries: 1 });
  });

  it('a verification: neither side counts for the request', async () => {
    const experimenter = createExperimenter({ recorder: { record: () => {} } });
    const timing = newRequestTiming();
    const seen: string[] = [];
    expect(runTimed(timing, () => experimenter.verify(spec(seen)))).toBe(true);
    await experimenter.drain();
    expect(seen.sort()).toEqual(['candidate:detached', 'control:detached']);
    expect(timing).toMatchObject({ dbMs: 0, queries: 0 });
  });
});
