import { randomBytes } from 'node:crypto';
import os from 'node:os';
import type { Pool } from '../db/pool.js';
import type { Logger } from '../logger.js';
import { type ArmSwitch, type ArmSwitchOptions, createArmSwitch } from './experiments/arm-switch.js';
import { createExperimentRecorder, type ExperimentRecorder } from './experiments/experiment-recorder.js';
import { createExperimentRegistry, type ExperimentRegistry } from './experiments/experiment-registry.js';
import type { ExperimentResult, RolloutPlan } from './experiments/experiment-types.js';
import { createExperimenter, type Experimenter } from './experiments/experimenter.js';
import type { FaultInjection } from './experiments/fault-injection.js';
import type { FlagSnapshot } from './flags/flag-snapshot.js';
import type { Evaluation } from './flags/flag-types.js';
import { createRolloutWindow, type RolloutWindow } from './window/rollout-window.js';
import { createWindowWriter, type WindowWriter } from './window/rollout-window-writer.js';

/**
 * Where the rollout machinery reports (src/metrics' Metrics fits): each experiment result and flag evaluation
 * as it happens, and the sources to read at scrape time.
 */
export interface RolloutReporter {
  experimentResult(result: ExperimentResult): void;
  flagEvaluation(evaluation: Evaluation): void;
  watch(sources: {
    pool: Pool;
    flags: Pick<FlagSnapshot, 'list'>;
    experiments: Pick<Experimenter, 'stats'>;
  }): void;
}

export interface RolloutDepsOptions<M extends RolloutReporter = RolloutReporter> {
  pool: Pool;
  /** Flag evaluation and state without I/O (the started snapshot). */
  flags: Pick<FlagSnapshot, 'evaluate' | 'get' | 'list'>;
  /** The rollout flag, the shadow flag and the arm labels the switch serves by. */
  plan: RolloutPlan;
  /** The signed-in user behind a request (the first choice of stickiness key); see ArmSwitchOptions. */
  userIdOf: ArmSwitchOptions['userIdOf'];
  /** Where results and evaluations are reported: the composition root's metrics. */
  metrics: M;
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
export interface RolloutDeps<M extends RolloutReporter = RolloutReporter> {
  instanceId: string;
  flags: Pick<FlagSnapshot, 'evaluate' | 'get' | 'list'>;
  /** The reporter it was given, handed on (the HTTP layer's request metrics use the same one). */
  metrics: M;
  window: RolloutWindow;
  recorder: ExperimentRecorder;
  writer: WindowWriter;
  experimenter: Experimenter;
  /** Domain code registers its experiments here; the shadow-test API runs them. */
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
    /** The reporter, experiments (register domain experiments here), the arm switch and the rollout window. */
    rollout: RolloutDeps;
  }
}

function defaultInstanceId(): string {
  return `${os.hostname().slice(0, 40)}:${process.pid}:${randomBytes(3).toString('hex')}`;
}

export function createRolloutDeps<M extends RolloutReporter>(options: RolloutDepsOptions<M>): RolloutDeps<M> {
  const instanceId = options.instanceId ?? defaultInstanceId();
  const metrics = options.metrics;
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
    plan: options.plan,
    userIdOf: options.userIdOf,
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
