import { describe, expect, it } from 'vitest';
import { DEFAULT_RESTART_POLICY, nextRestart } from '../../src/cluster/restart-backoff.js';

describe('restarting a crashed worker', () => {
  it('a worker crashing at start waits twice as long each time, up to 30 s', () => {
    let streak = 0;
    const delays: number[] = [];
    for (let i = 0; i < 9; i++) {
      const next = nextRestart(streak, 200);
      streak = next.streak;
      delays.push(next.delayMs);
    }
    expect(delays).toEqual([500, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000]);
    expect(streak).toBe(9);
  });

  it('a crash after a healthy run (60 s or more) starts the streak over', () => {
    expect(nextRestart(7, DEFAULT_RESTART_POLICY.stableMs)).toEqual({ delayMs: 500, streak: 1 });
    expect(nextRestart(7, DEFAULT_RESTART_POLICY.stableMs - 1)).toEqual({ delayMs: 30_000, streak: 8 });
  });

  it('follows the policy it is given', () => {
    const policy = { initialMs: 100, maxMs: 250, stableMs: 1000 };
    expect([0, 1, 2, 3].map((s) => nextRestart(s, 10, policy).delayMs)).toEqual([100, 200, 250, 250]);
  });
});
