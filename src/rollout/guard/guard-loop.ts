import type pg from 'pg';
import type { Pool } from '../../db/pool.js';
import { toError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import type { RolloutPlan } from '../experiments/experiment-types.js';
import type { FlagSnapshot } from '../flags/flag-snapshot.js';
import type { FlagStore } from '../flags/flag-store.js';
import type { Verdict } from './guard.js';
import { createGuardEvaluator, type GuardOptions } from './guard-evaluator.js';
import { createGuardLeadership } from './guard-leadership.js';

export interface GuardLoopDeps {
  pool: Pool;
  /** The flag the guard rolls back and promotes, and its arms: the candidate `on`, judged against the control `off`. */
  plan: Pick<RolloutPlan, 'flag' | 'arms'>;
  /** Every setting, complete: the composition root passes the configured ones (src/config.ts owns the defaults). */
  options: GuardOptions;
  /** Flag state without I/O. */
  flags: Pick<FlagSnapshot, 'get'>;
  /** Where rollbacks and promotions are written (each one an audited event). */
  store: Pick<FlagStore, 'get' | 'update' | 'advance'>;
  instanceId: string;
  /** Runs before each evaluation (the window writer's flush, so this instance's newest counts are in). */
  beforeEvaluate?: () => Promise<void>;
  /** Runs after a rollback was written (e.g. a metric of aborted rollouts). */
  onRollback?: (flagKey: string, verdict: Extract<Verdict, { kind: 'rollback' }>) => void;
  /** Settings of the leader's own connection; default the pool's. */
  connection?: pg.ClientConfig;
  logger?: Logger;
  now?: () => Date;
}

type GuardTick =
  | { role: 'follower' }
  | { role: 'leader'; verdict: Verdict; acted: 'rollback' | 'advance' | null }
  | { role: 'leader'; verdict: null; acted: null; skipped: string };

export interface GuardLoop {
  start(): void;
  /** Stops evaluating, releases the lock and closes the leader connection. */
  stop(): Promise<void>;
  /** One cycle now: take the lock if free, evaluate and act if leader. */
  tick(): Promise<GuardTick>;
  readonly isLeader: boolean;
  readonly lastTick: GuardTick | null;
  readonly options: Readonly<GuardOptions>;
}

/**
 * The guard: every instance runs one; the leader (guard-leadership.ts: one instance, an advisory lock)
 * evaluates every intervalMs over the last lookbackMs of all instances and rolls back or promotes
 * (guard-evaluator.ts). A failed cycle gives leadership up; the next tick of any instance takes it over.
 */
export function createGuardLoop(deps: GuardLoopDeps): GuardLoop {
  const { options } = deps;
  const evaluator = createGuardEvaluator({
    plan: deps.plan,
    options,
    flags: deps.flags,
    store: deps.store,
    actor: `guard:${deps.instanceId}`,
    instanceId: deps.instanceId,
    beforeEvaluate: deps.beforeEvaluate,
    onRollback: deps.onRollback,
    logger: deps.logger,
    now: deps.now ?? (() => new Date()),
  });
  const leadership = createGuardLeadership({
    pool: deps.pool,
    instanceId: deps.instanceId,
    connection: deps.connection,
    onLost: () => evaluator.reset(),
    logger: deps.logger,
  });
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<GuardTick> | undefined;
  let lastTick: GuardTick | null = null;

  const cycle = async (): Promise<GuardTick> => {
    try {
      if (!leadership.isLeader && !(await leadership.tryLead())) return { role: 'follower' };
      const client = leadership.client;
      if (!client) return { role: 'follower' };
      return { role: 'leader', ...(await evaluator.evaluate(client)) };
    } catch (raw) {
      // Fail soft: lose leadership (another instance may take over) and try again next tick.
      deps.logger?.warn({ err: toError(raw) }, 'rollout guard cycle failed');
      leadership.drop();
      return { role: 'follower' };
    }
  };

  const tick = () => {
    // One cycle at a time: a slow one is awaited, not overlapped.
    running ??= cycle().then((t) => {
      lastTick = t;
      running = undefined;
      return t;
    });
    return running;
  };

  return {
    options,
    get isLeader() {
      return leadership.isLeader;
    },
    get lastTick() {
      return lastTick;
    },
    start() {
      if (timer) return;
      timer = setInterval(() => void tick(), options.intervalMs);
      timer.unref();
      void tick();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await running;
      await leadership.release();
    },
    tick,
  };
}
