import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../src/db/listener.js';
import {
  coveredByLastRefresh,
  duePlan,
  markChanged,
  type PendingChange,
  retryAfterFailure,
  retryAfterSkip,
} from '../../src/views/refresh-schedule.js';

const s = { quietMs: 2_000, maxStalenessMs: 60_000 };

describe('refresh scheduling (debounce with a maximum staleness)', () => {
  it('waits for the quiet period after the last change', () => {
    const pending = new Map<string, PendingChange>();
    markChanged(pending, ['gene_scores'], 0);
    markChanged(pending, ['gene_scores'], 1_500);
    expect(duePlan(pending, 3_000, s)).toEqual({ due: [], nextAt: 3_500 });
    expect(duePlan(pending, 3_500, s).due).toEqual(['gene_scores']);
  });

  it('a steady stream of writes cannot push the refresh past the maximum staleness', () => {
    const pending = new Map<string, PendingChange>();
    for (let t = 0; t <= 70_000; t += 500) markChanged(pending, ['gene_scores'], t);
    expect(pending.get('gene_scores')).toEqual({ firstAt: 0, lastAt: 70_000 });
    expect(duePlan(pending, 59_999, s).due).toEqual([]);
    expect(duePlan(pending, 60_000, s).due).toEqual(['gene_scores']);
  });

  it('reports the earliest next due time among several views', () => {
    const pending = new Map<string, PendingChange>();
    markChanged(pending, ['a'], 1_000);
    markChanged(pending, ['b'], 400);
    expect(duePlan(pending, 1_000, s)).toEqual({ due: [], nextAt: 2_400 });
  });

  it('backs off after failures, capped at the maximum staleness', () => {
    let p: PendingChange = { firstAt: 0, lastAt: 0 };
    p = retryAfterFailure(p, 10_000, s);
    expect(p.notBefore).toBe(12_000);
    expect(duePlan(new Map([['a', p]]), 11_000, s)).toEqual({ due: [], nextAt: 12_000 });
    for (let i = 0; i < 10; i++) p = retryAfterFailure(p, 10_000, s);
    expect(p.notBefore).toBe(70_000);
  });
});

describe('refresh scheduling after a skip (the refresh lock was taken elsewhere)', () => {
  it('looks again after a quiet period, keeping the pending change', () => {
    expect(retryAfterSkip({ firstAt: 0, lastAt: 100 }, 1_000, s)).toEqual({
      firstAt: 0,
      lastAt: 100,
      notBefore: 3_000,
    });
  });
});

describe('a refresh by another instance covers the changes it began after', () => {
  // The server's clock runs 50 s ahead of ours; the reading was sent at local 1_000 and took up to 5 ms.
  const clock = { sentMs: 1_000, serverMs: 51_005 };
  const p: PendingChange = { firstAt: 0, lastAt: 100 };

  it('covered when the refresh began after the latest change, on the server clock', () => {
    // The change reached us at local 100, so it committed by server 50_105 at the latest.
    expect(coveredByLastRefresh(p, 50_106, clock)).toBe(true);
    expect(coveredByLastRefresh(p, 50_105, clock)).toBe(false);
    expect(coveredByLastRefresh(p, 40_000, clock)).toBe(false);
    expect(coveredByLastRefresh(p, undefined, clock)).toBe(false);
  });

  it('a newer change needs a newer refresh', () => {
    const pending = new Map([['a', { ...p }]]);
    markChanged(pending, ['a'], 900);
    expect(coveredByLastRefresh(pending.get('a') as PendingChange, 50_106, clock)).toBe(false);
    expect(coveredByLastRefresh(pending.get('a') as PendingChange, 50_906, clock)).toBe(true);
  });

  it('a slow reading only makes it more conservative', () => {
    // Sent at local 1_000, answered at server time 51_500: we cannot tell how much of that was the trip.
    const slow = { sentMs: 1_000, serverMs: 51_500 };
    expect(coveredByLastRefresh(p, 50_106, slow)).toBe(false);
    expect(coveredByLastRefresh(p, 50_601, slow)).toBe(true);
  });
});

describe('listener reconnect backoff', () => {
  it('doubles from 100 ms to a 30 s cap, with 50–100 % jitter', () => {
    expect([0, 1, 2, 3, 9, 10, 50].map((n) => backoffDelay(n, 100, 30_000, 1))).toEqual([
      100, 200, 400, 800, 30_000, 30_000, 30_000,
    ]);
    expect(backoffDelay(3, 100, 30_000, 0)).toBe(400);
    expect(backoffDelay(3, 100, 30_000, 0.5)).toBe(600);
  });
});
