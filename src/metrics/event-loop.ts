import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Gauge, type Registry } from 'prom-client';

/**
 * Event-loop delay: how late a timer that should fire every RESOLUTION_MS actually fires. Everything this process
 * does runs on one loop, so a long synchronous stretch (a large JSON serialisation, a GC pause, building a big
 * batch) delays every request queued behind it; this is the number to read beside a latency tail. The
 * quantiles cover the time since the previous scrape (the histogram is reset at each collect), so a spike shows
 * in the scrape that follows it instead of being averaged away over the process's life. Node records the whole
 * interval between two firings, so the resolution is subtracted to leave the delay; after a reset the first
 * firing only sets the baseline, so a stall within one resolution of a scrape is missed.
 */
const RESOLUTION_MS = 10;

const QUANTILES = [
  ['0.5', 50],
  ['0.9', 90],
  ['0.99', 99],
  ['1', 100],
] as const;

export interface EventLoopDelaySampler {
  /** Firings recorded since the previous scrape. */
  samples(): number;
  /** Stops the sampling timer. */
  stop(): void;
}

export function eventLoopDelayGauge(registry: Registry): EventLoopDelaySampler {
  const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  histogram.enable();
  new Gauge({
    name: 'kgdb_event_loop_delay_seconds',
    help: `Event-loop delay since the previous scrape by quantile (1 = max), sampled every ${RESOLUTION_MS} ms; absent until a sample exists`,
    labelNames: ['quantile'] as const,
    // Across workers: the worst one's. Quantiles of separate loops cannot be merged, and a stall in any worker
    // delays every request it holds.
    aggregator: 'max',
    registers: [registry],
    collect() {
      this.reset();
      if (histogram.count === 0) return;
      for (const [quantile, percentile] of QUANTILES) {
        const delayNs = Math.max(0, histogram.percentile(percentile) - RESOLUTION_MS * 1e6);
        this.set({ quantile }, delayNs / 1e9);
      }
      histogram.reset();
    },
  });
  return { samples: () => histogram.count, stop: () => histogram.disable() };
}
