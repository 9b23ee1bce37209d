import { setTimeout as delay } from 'node:timers/promises';
import { Registry } from 'prom-client';
import { describe, expect, it, onTestFinished } from 'vitest';
import { eventLoopDelayGauge } from '../../src/metrics/event-loop.js';

async function quantiles(registry: Registry): Promise<Map<string, number>> {
  const [metric] = await registry.getMetricsAsJSON();
  return new Map(metric?.values.map((v) => [String(v.labels.quantile), v.value]));
}

async function until(condition: () => Promise<boolean>): Promise<void> {
  for (const deadline = Date.now() + 10_000; Date.now() < deadline; await delay(5)) {
    if (await condition()) return;
  }
}

function blockLoop(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // a synchronous stretch: what a large serialisation or a GC pause does to every queued request
  }
}

describe('kgdb_event_loop_delay_seconds', () => {
  it('reports a blocked loop in the next scrape and starts over after it', async () => {
    const registry = new Registry();
    const sampler = eventLoopDelayGauge(registry);
    onTestFinished(() => sampler.stop());
    // The sampler measures from one firing to the next: wait for a firing after the last reset (the scrape).
    await until(async () => (await quantiles(registry)).size > 0);
    await until(async () => sampler.samples() > 0);
    const before = sampler.samples();
    blockLoop(120);
    // Its first firing after the block records the stall; scraping before that would reset the baseline.
    await until(async () => sampler.samples() > before);
    const seen = await quantiles(registry);
    expect(seen.get('1')).toBeGreaterThanOrEqual(0.1);
    expect([...seen.keys()]).toEqual(['0.5', '0.9', '0.99', '1']);
    for (const value of seen.values()) expect(value).toBeGreaterThanOrEqual(0);
    expect(seen.get('0.5')).toBeLessThanOrEqual(seen.get('1') as number);

    // The scrape reset the window: the 120 ms stall is not reported again.
    const next = await quantiles(registry);
    expect(next.get('1') ?? 0).toBeLessThan(seen.get('1') as number);
  });
});
