import { DatabaseError } from 'pg';
import { describe, expect, it } from 'vitest';
import type { Logger } from '../../src/logger.js';
import type { ExperimentResult } from '../../src/rollout/experiments/experiment-types.js';
import { createExperimenter } from '../../src/rollout/experiments/experimenter.js';

function setup(options: Partial<Parameters<typeof createExperimenter>[0]> = {}) {
  const results: ExperimentResult[] = [];
  const experimenter = createExperimenter({ recorder: { record: (r) => results.push(r) }, ...options });
  return { experimenter, results };
}

const rows = [
  { id: 1, score: 10.5 },
  { id: 2, score: 20 },
];
const later = <T>(ms: number, value: T) => new Promise<T>((resolve) => setTimeout(() => resolve(value), ms));

describe('an experiment resolves or rejects exactly as the control did', () => {
  it('returns the control value when not sampled, running nothing else', async () => {
    const { experimenter, results } = setup();
    let candidateRuns = 0;
    const value = await experimenter.run({
      name: 'e',
      control: async () => rows,
      candidate: async () => {
        candidateRuns++;
        return [];
      },
      sample: false,
      timeoutMs: 100,
    });
    expect(value).toBe(rows);
    await experimenter.drain();
    expect(candidateRuns).toBe(0);
    expect(results).toEqual([]);
  });

  it('returns the control value (same object) when sampled, and records a match', async () => {
    const { experimenter, results } = setup();
    const value = await experimenter.run({
      name: 'e',
      control: async () => rows,
      candidate: async () => [...rows].reverse(),
      sample: true,
      timeoutMs: 1000,
      request: { page: 1 },
    });
    expect(value).toBe(rows);
    await experimenter.drain();
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({
      name: 'e',
      mode: 'ab',
      outcome: 'match',
      diff: [],
      request: { page: 1 },
    });
  });

  it("rejects with the control's own error object, recorded as control_error", async () => {
    const { experimenter, results } = setup();
    const boom = new Error('control broke');
    await expect(
      experimenter.run({
        name: 'e',
        control: async () => Promise.reject(boom),
        candidate: async () => rows,
        sample: true,
        timeoutMs: 100,
      }),
    ).rejects.toBe(boom);
    await experimenter.drain();
    expect(results[0]).toMatchObject({ outcome: 'control_error', diff: ['control failed: control broke'] });
  });

  it('a PostgreSQL error is recorded by its SQLSTATE only (its message can quote SQL) and logged whole', async () => {
    const warned: unknown[] = [];
    const logger = { warn: (obj: unknown) => warned.push(obj) } as unknown as Logger;
    const { experimenter, results } = setup({ logger });
    const failure = Object.assign(new DatabaseError('syntax error at or near ")"', 0, 'error'), {
      code: '42601',
    });
    await experimenter.run({
      name: 'e',
      control: async () => rows,
      candidate: async () => Promise.reject(failure),
      sample: true,
      timeoutMs: 1000,
    });
    await experimenter.drain();
    expect(results[0]).toMatchObject({
      outcome: 'candidate_error',
      diff: ['candidate failed: PostgreSQL error 42601, see the server log'],
    });
    expect(JSON.stringify(results[0])).not.toContain('syntax error');
    expect(warned).toEqual([expect.objectContaining({ err: failure, experiment: 'e', arm: 'candidate' })]);
  });

  it('a control that throws synchronously still rejects (and is not sampled differently)', async () => {
    const { experimenter } = setup();
    const boom = new Error('sync');
    const control = (() => {
      throw boom;
    }) as () => Promise<number>;
    await expect(
      experimenter.run({ name: 'e', control, candidate: async () => 1, sample: true, timeoutMs: 50 }),
    ).rejects.toBe(boom);
    await expect(
      experimenter.run({ name: 'e', control, candidate: async () => 1, sample: false, timeoutMs: 50 }),
    ).rejects.toBe(boom);
  });

  it('candidate errors, timeouts and comparator exceptions become observations', async () => {
    const { experimenter, results } = setup();
    const base = { name: 'e', control: async () => rows, sample: true, timeoutMs: 50 } as const;
    await experimenter.run({ ...base, candidate: async () => Promise.reject(new Error('views down')) });
    await experimenter.run({
      ...base,
      candidate: (signal) =>
        new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason))),
    });
    await experimenter.run({
      ...base,
      candidate: async () => rows,
      compare: () => {
        throw new Error('bad comparator');
      },
    });
    await experimenter.run({
      ...base,
      candidate: async () => [
        { id: 1, score: 10.5 },
        { id: 2, score: 21 },
      ],
    });
    await experimenter.drain();
    // Recorded as each finishes: the timeout comes last.
    expect(results.map((r) => [r.outcome, r.diff])).toEqual([
      ['candidate_error', ['candidate failed: views down']],
      ['mismatch', ['comparator failed: bad comparator']],
      ['mismatch', ['rows[id=2].score: 20 → 21']],
      ['timeout', ['candidate did not finish within 50 ms']],
    ]);
  });

  it('the control does not wait for a slow candidate (detached)', async () => {
    const { experimenter, results } = setup();
    let release: (value: string) => void = () => {};
    const value = await experimenter.run({
      name: 'e',
      control: async () => 'fast',
      // Finishes only when the test lets it: the control's answer must come first.
      candidate: () => new Promise<string>((resolve) => (release = resolve)),
      sample: true,
      timeoutMs: 60_000,
    });
    expect(value).toBe('fast');
    expect(results).toHaveLength(0);
    expect(experimenter.stats().inFlight).toBe(1);
    release('slow');
    await experimenter.drain();
    expect(results[0]?.outcome).toBe('mismatch');
  });

  it('the candidate starts concurrently with the control, not after it', async () => {
    const { experimenter } = setup();
    const order: string[] = [];
    await experimenter.run({
      name: 'e',
      control: async () => {
        order.push('control start');
        await later(50, 0);
        order.push('control end');
        return 1;
      },
      candidate: async () => {
        order.push('candidate start');
        return 1;
      },
      sample: true,
      timeoutMs: 1000,
    });
    expect(order.indexOf('candidate start')).toBeLessThan(order.indexOf('control end'));
  });

  it('declared rules turn an explained mismatch into ignored, named; ignore skips fields', async () => {
    const { experimenter, results } = setup();
    const base = { name: 'e', sample: true, timeoutMs: 100 } as const;
    await experimenter.run({
      ...base,
      control: async () => ({ a: 1 }),
      candidate: async () => ({ a: 2 }),
      rules: [{ name: 'a_moves', description: 'a is recomputed', explains: (d) => d.path === 'a' }],
    });
    await experimenter.run({
      ...base,
      control: async () => ({ a: 1, b: 1 }),
      candidate: async () => ({ a: 2, b: 2 }),
      rules: [{ name: 'a_moves', description: 'a is recomputed', explains: (d) => d.path === 'a' }],
    });
    await experimenter.run({
      ...base,
      control: async () => ({ a: 1, t: 1 }),
      candidate: async () => ({ a: 1, t: 2 }),
      ignore: ['t'],
    });
    await experimenter.drain();
    expect(results.map((r) => [r.outcome, r.rules])).toEqual([
      ['ignored', ['a_moves']],
      ['mismatch', []],
      ['match', []],
    ]);
    expect(results[0]?.diff).toEqual(['a: 1 → 2']);
  });

  it("records the source: 'live' by default, 'admin' when the spec says so", async () => {
    const { experimenter, results } = setup();
    const spec = { name: 'e', control: async () => 1, candidate: async () => 1, timeoutMs: 100 };
    await experimenter.run({ ...spec, sample: true });
    await experimenter.runNow({ ...spec, source: 'admin' });
    await experimenter.drain();
    expect(results.map((r) => r.source)).toEqual(['live', 'admin']);
  });

  it('A/A mode compares the control with a second run of itself', async () => {
    const { experimenter, results } = setup();
    let controls = 0;
    let candidates = 0;
    await experimenter.run({
      name: 'e',
      mode: 'aa',
      control: async () => ++controls,
      candidate: async () => ++candidates,
      sample: true,
      timeoutMs: 100,
    });
    await experimenter.drain();
    expect([controls, candidates]).toEqual([2, 0]);
    expect(results[0]).toMatchObject({ mode: 'aa', outcome: 'mismatch' });
  });

  it('beyond maxInFlight a sampled call runs the control only', async () => {
    const { experimenter, results } = setup({ maxInFlight: 1 });
    const spec = {
      name: 'e',
      control: async () => 1,
      candidate: () => later(100, 1),
      sample: true,
      timeoutMs: 1000,
    };
    await experimenter.run(spec);
    await experimenter.run(spec);
    expect(experimenter.stats()).toMatchObject({ skipped: 1, started: 1 });
    await experimenter.drain();
    expect(results).toHaveLength(1);
  });

  it('fault injection fails the candidate on the given share', async () => {
    let i = 0;
    const { experimenter, results } = setup({
      faults: { candidateFailureRate: 0.5, random: () => (i++ % 2 === 0 ? 0.1 : 0.9) },
    });
    for (let k = 0; k < 4; k++)
      await experimenter.run({
        name: 'e',
        control: async () => 1,
        candidate: async () => 1,
        sample: true,
        timeoutMs: 100,
      });
    await experimenter.drain();
    expect(results.map((r) => r.outcome).sort()).toEqual([
      'candidate_error',
      'candidate_error',
      'match',
      'match',
    ]);
  });

  it('runNow waits for both sides and returns the result', async () => {
    const { experimenter, results } = setup();
    const r = await experimenter.runNow({
      name: 'e',
      control: async () => [1, 2],
      candidate: async () => [2, 3],
      timeoutMs: 100,
    });
    expect(r).toMatchObject({ outcome: 'mismatch', diff: ['rows: missing row 1', 'rows: extra row 3'] });
    expect(results).toHaveLength(1);
  });

  it('a recorder that throws never reaches the caller', async () => {
    const experimenter = createExperimenter({
      recorder: {
        record: () => {
          throw new Error('disk full');
        },
      },
    });
    await expect(
      experimenter.run({
        name: 'e',
        control: async () => 7,
        candidate: async () => 7,
        sample: true,
        timeoutMs: 50,
      }),
    ).resolves.toBe(7);
    await experimenter.drain();
  });
});

describe('verify: a call served by another path is still compared, detached', () => {
  it('runs control and candidate without the caller waiting, and records an ab result', async () => {
    const { experimenter, results } = setup();
    let release: (value: number) => void = () => {};
    const held = new Promise<number>((resolve) => {
      release = resolve;
    });
    const started = experimenter.verify({
      name: 'e',
      control: () => held,
      candidate: async () => 2,
      timeoutMs: 1000,
    });
    // Returned before the control finished: nothing waits for it.
    expect(started).toBe(true);
    expect(results).toEqual([]);
    expect(experimenter.stats()).toMatchObject({ verifying: 1, inFlight: 1 });
    release(2);
    await experimenter.drain();
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ mode: 'ab', source: 'live', outcome: 'match' });
    expect(experimenter.stats().verifying).toBe(0);
  });

  it('beyond maxVerifyInFlight a verification is skipped and counted', async () => {
    const { experimenter, results } = setup({ maxVerifyInFlight: 2 });
    const releases: Array<() => void> = [];
    const spec = {
      name: 'e',
      control: () =>
        new Promise<number>((resolve) => {
          releases.push(() => resolve(1));
        }),
      candidate: async () => 1,
      timeoutMs: 1000,
    };
    expect([experimenter.verify(spec), experimenter.verify(spec), experimenter.verify(spec)]).toEqual([
      true,
      true,
      false,
    ]);
    expect(experimenter.stats()).toMatchObject({ verifying: 2, verifySkipped: 1 });
    for (const release of releases) release();
    await experimenter.drain();
    expect(results).toHaveLength(2);
    expect(experimenter.verify(spec)).toBe(true);
    for (const release of releases.slice(2)) release();
    await experimenter.drain();
  });

  it('never throws: failing sides and a failing recorder become observations or log lines', async () => {
    const boom = () => {
      throw new Error('sync boom');
    };
    const experimenter = createExperimenter({ recorder: { record: boom } });
    expect(
      experimenter.verify({
        name: 'e',
        control: boom as () => Promise<number>,
        candidate: boom as () => Promise<number>,
        timeoutMs: 50,
      }),
    ).toBe(true);
    await experimenter.drain();
  });
});
