import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { Registry } from 'prom-client';
import type { Pool } from '../db/pool.js';
import type { Logger } from '../logger.js';
import { createMetrics, type Metrics } from '../metrics/metrics.js';
import { type ArmSwitch, createArmSwitch } from './experiments/arm-switch.js';
import { createExperimentRecorder, type ExperimentRecorder } from './experiments/experiment-recorder.js';
import { createExperimentRegistry, type ExperimentRegistry } from './experiments/experiment-registry.js';
import type { FaultInjection } from './experiments/experiment-types.js';
import { createExperimenter, type Experimenter } from './experiments/experimenter.js';
import { createFlagSnapshot, type FlagSnapshot } from './flags/flag-snapshot.js';
import type { FlagStore } from './flags/flag-store.js';
import { createRolloutWindow, type RolloutWindow } from './window/rollout-window.js';
import { createWindowWriter, type WindowWriter } from './window/rollout-window-writer.js';

export interface RolloutDepsOptions {
  pool: Pool;
  /** Flag evaluation and state without I/O (the started snapshot). */
  flags: Pick<FlagSnapshot, 'evaluate' | 'get' | 'list'>;
  /** Metrics to report to; default a fresh registry of its own (tests). */
  metrics?: Metrics;
  /** This process in the window tables; default host:pid:random. */
  instanceId?: string;
  /** Window length (every instance the same); default 10,000 ms. */
  windowMs?: number;
  /** Write interval; default 1000 ms. */
  flushMs?: number;
  /** Samples kept per experiment; default 1000. */
  sampleCap?: number;
  /**
   * Detached candidates at once in this process; default half the pool (at least 4), so shadow work can never
   * hold every connection the serving path needs. Beyond it a sampled call runs the control only.
   */
  maxInFlight?: number;
  /** Verifications (sampled calls served by the new path) at once in this process; default 2. */
  maxVerifyInFlight?: number;
  /** Share of sampled calls run as A/A; default 0. */
  aaShare?: number;
  /** Test-only fault injection (see FaultInjection). */
  faults?: FaultInjection;
  logger?: Logger;
}

/** Everything rollout needs at request time, built once by the composition root. */
export interface RolloutDeps {
  instanceId: string;
  flags: Pick<FlagSnapshot, 'evaluate' | 'get' | 'list'>;
  metrics: Metrics;
  window: RolloutWindow;
  recorder: ExperimentRecorder;
  writer: WindowWriter;
  experimenter: Experimenter;
  /** Domain code registers its experiments here (gene_list, admin_logs); the shadow-test API runs them. */
  experiments: ExperimentRegistry;
  /** Serves a call through the rollout flag with shadowing (see ArmSwitch.run). */
  armSwitch: ArmSwitch;
  /** Starts the periodic window writes. */
  start(): void;
  /** Waits for detached comparisons, then writes what is left. */
  stop(): Promise<void>;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Metrics, experiments (register domain experiments here), the arm switch and the rollout window. */
    rollout: RolloutDeps;
  }
}

export function defaultInstanceId(): string {
  return `${os.hostname().slice(0, 40)}:${process.pid}:${randomBytes(3).toString('hex')}`;
}

export function createRolloutDeps(options: RolloutDepsOptions): RolloutDeps {
  const instanceId = options.instanceId ?? defaultInstanceId();
  const metrics = options.metrics ?? createMetrics(new Registry());
  const window = createRolloutWindow({ windowMs: options.windowMs });
  const recorder = createExperimentRecorder({ window });
  const writer = createWindowWriter({
    pool: options.pool,
    instanceId,
    window,
    recorder,
    flushMs: options.flushMs,
    sampleCap: options.sampleCap,
    logger: options.logger,
  });
  const experimenter = createExperimenter({
    recorder,
    maxInFlight: options.maxInFlight ?? Math.max(4, Math.floor((options.pool.options.max ?? 10) / 2)),
    maxVerifyInFlight: options.maxVerifyInFlight,
    faults: options.faults,
    logger: options.logger,
    onResult: (result) => metrics.experimentResult(result),
  });
  const armSwitch = createArmSwitch({
    flags: options.flags,
    experimenter,
    aaShare: options.aaShare,
    faults: options.faults,
  });
  metrics.watch({ pool: options.pool, flags: options.flags, experiments: experimenter });
  return {
    instanceId,
    flags: options.flags,
    metrics,
    window,
    recorder,
    writer,
    experimenter,
    experiments: createExperimentRegistry(),
    armSwitch,
    start: () => writer.start(),
    async stop() {
      await experimenter.drain();
      await writer.stop();
    },
  };
}

/**
 * For apps built without a composition root (tests): rollout deps on `pool` with their own metrics registry
 * and, unless one is given, a poll-only flag snapshot over `store` (local changes apply at once through the
 * store's subscription). Started here; `stop()` stops what was started here.
 */
export async function startRolloutDeps(
  options: Omit<RolloutDepsOptions, 'flags'> & { store: FlagStore; snapshot?: FlagSnapshot },
): Promise<RolloutDeps> {
  const metrics = options.metrics ?? createMetrics(new Registry());
  const own = options.snapshot
    ? undefined
    : createFlagSnapshot({
        store: options.store,
        logger: options.logger,
        onEvaluation: (e) => metrics.flagEvaluation(e),
      });
  let retry: NodeJS.Timeout | undefined;
  const startSnapshot = async (): Promise<void> => {
    try {
      await own?.start();
    } catch (raw) {
      // Fail soft: until the flags load, every flag evaluates to its default (off: the legacy arm serves).
      options.logger?.warn({ err: raw }, 'feature flags not loaded; retrying in 5 s');
      retry = setTimeout(() => void startSnapshot(), 5000);
      retry.unref();
    }
  };
  await startSnapshot();
  const deps = createRolloutDeps({ ...options, metrics, flags: options.snapshot ?? (own as FlagSnapshot) });
  deps.start();
  return {
    ...deps,
    async stop() {
      if (retry) clearTimeout(retry);
      await deps.stop();
      await own?.stop();
    },
  };
}
