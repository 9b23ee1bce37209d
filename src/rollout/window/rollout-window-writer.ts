import type { Pool } from '../../db/pool.js';
import { toError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import type { RolloutWindow } from './rollout-window.js';
import { type ExperimentSample, writeSamples } from './rollout-window-samples.js';
import { writeArmDeltas, writeExperimentDeltas } from './rollout-window-store.js';

export interface WindowWriterOptions {
  pool: Pool;
  /** This process's id in the window tables; unique per running instance. */
  instanceId: string;
  window: RolloutWindow;
  /** Where the samples queue between flushes (the experiment recorder). */
  recorder: { takeSamples(): ExperimentSample[] };
  /** How often the deltas are added into PostgreSQL; default 1000 ms (the guard sees data ≤ ~1 s old). */
  flushMs?: number;
  /** Samples kept per experiment (oldest deleted); default 1000. */
  sampleCap?: number;
  logger?: Logger;
}

export interface WindowWriter {
  /** Starts the periodic flush. */
  start(): void;
  /** Stops it and writes what is left. */
  stop(): Promise<void>;
  /** Writes everything observed so far now (admin reads call it so this instance's latest numbers count). */
  flush(): Promise<void>;
  stats(): { flushes: number; failures: number; samplesDropped: number };
}

/**
 * Adds this instance's window deltas into PostgreSQL off the request path: one upsert per table per flush,
 * whatever the traffic. A failed write hands the counts back to the window (retried next time, bounded by the
 * window's max age); samples of a failed write are dropped — they are samples.
 */
export function createWindowWriter(options: WindowWriterOptions): WindowWriter {
  const { pool, instanceId, window, recorder, logger } = options;
  const sampleCap = options.sampleCap ?? 1000;
  let timer: NodeJS.Timeout | undefined;
  let chain: Promise<void> = Promise.resolve();
  const stats = { flushes: 0, failures: 0, samplesDropped: 0 };

  const write = async () => {
    const deltas = window.take();
    const samples = recorder.takeSamples();
    try {
      await writeArmDeltas(pool, instanceId, deltas.arms);
      await writeExperimentDeltas(pool, instanceId, deltas.experiments);
    } catch (raw) {
      stats.failures++;
      window.restore(deltas);
      stats.samplesDropped += samples.length;
      logger?.warn({ err: toError(raw) }, 'rollout window write failed; retrying with the next flush');
      return;
    }
    try {
      await writeSamples(pool, instanceId, samples, sampleCap);
    } catch (raw) {
      stats.failures++;
      stats.samplesDropped += samples.length;
      logger?.warn({ err: toError(raw), samples: samples.length }, 'experiment samples not written');
    }
    stats.flushes++;
  };

  // One write at a time, so two flushes never add the same deltas twice or race on the sample cap.
  const flush = () => {
    chain = chain.then(write, write);
    return chain;
  };

  return {
    start() {
      if (timer) return;
      timer = setInterval(() => void flush(), options.flushMs ?? 1000);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await flush();
    },
    flush,
    stats: () => ({ ...stats }),
  };
}
