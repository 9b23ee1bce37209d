import type { Queryable } from '../../db/pool.js';
import type { Logger } from '../../logger.js';
import type { RolloutPlan } from '../experiments/experiment-types.js';
import { effectivePercentage } from '../flags/flag-evaluation.js';
import type { FlagSnapshot } from '../flags/flag-snapshot.js';
import type { FlagStore } from '../flags/flag-store.js';
import type { Flag, FlagPatch } from '../flags/flag-types.js';
import { pruneWindows } from '../window/rollout-window-store.js';
import {
  type GuardThresholds,
  guardVerdict,
  type HoldReason,
  nextHealthySince,
  type RolloutState,
  type Verdict,
} from './guard.js';
import { readWindowStats } from './guard-store.js';
import { verdictRow, writeVerdict } from './guard-verdict-store.js';

/**
 * Every setting of the guard (src/config.ts owns the defaults). The bake time comes from the flag's own
 * `bake_seconds` column unless bakeMs is set here; promotion also needs the flag's own `auto_promote`.
 */
export interface GuardOptions {
  /** Experiments whose candidate is the guarded arm; undefined = every recorded experiment. */
  experiments?: readonly string[];
  /** Evaluate this often (also how often a follower retries the lock). */
  intervalMs: number;
  /** Evaluate over the windows that started this long ago or later. */
  lookbackMs: number;
  thresholds: GuardThresholds;
  /** Overrides the flag's bake_seconds (ms). */
  bakeMs?: number;
  /** Global permission to auto-promote; the flag's auto_promote must also be on. */
  autoPromote: boolean;
  /** How long request windows and experiment windows are kept (ms). */
  retainArmsMs: number;
  retainExperimentsMs: number;
}

export interface GuardEvaluatorDeps {
  /** The flag the guard rolls back and promotes, and its arms: the candidate `on`, judged against the control `off`. */
  plan: Pick<RolloutPlan, 'flag' | 'arms'>;
  options: GuardOptions;
  /** Flag state without I/O. */
  flags: Pick<FlagSnapshot, 'get'>;
  /** Where rollbacks and promotions are written (each one an audited event). */
  store: Pick<FlagStore, 'get' | 'update' | 'advance'>;
  /** Recorded as the actor of the guard's changes. */
  actor: string;
  /** The leader's instance id, stored with each verdict. */
  instanceId: string;
  /** Runs before each evaluation (the window writer's flush, so this instance's newest counts are in). */
  beforeEvaluate?: () => Promise<void>;
  /** Runs after a rollback was written (e.g. a metric of aborted rollouts). */
  onRollback?: (flagKey: string, verdict: Extract<Verdict, { kind: 'rollback' }>) => void;
  logger?: Logger;
  now: () => Date;
}

type Evaluated =
  | { verdict: Verdict; acted: 'rollback' | 'advance' | null }
  | { verdict: null; acted: null; skipped: string };

/** One leader's evaluations: judge the window, act on the verdict, and remember health between them. */
export interface GuardEvaluator {
  /** Reads the window through `db` (the leader's connection), judges it and acts. */
  evaluate(db: Queryable): Promise<Evaluated>;
  /** Forgets the healthy streak (leadership was lost: another instance may have acted meanwhile). */
  reset(): void;
}

/** A rollback: the flag to 0 % and auto-promotion off, so it cannot climb back on its own. */
export function rollbackPatch(flag: Pick<Flag, 'strategy' | 'auto_promote'>): FlagPatch {
  const zero: FlagPatch = flag.strategy === 'gradual' ? { step: 0 } : { percentage: 0 };
  return flag.auto_promote ? { ...zero, auto_promote: false } : zero;
}

const bakeMsOf = (flag: Flag, options: GuardOptions) => options.bakeMs ?? flag.bake_seconds * 1000;

function rolloutStateOf(flag: Flag, options: GuardOptions, healthySince: Date | null): RolloutState {
  const rolling = flag.enabled && (flag.strategy === 'gradual' || flag.strategy === 'percentage');
  const percentage = effectivePercentage(flag);
  const last = flag.steps[flag.steps.length - 1] ?? 100;
  return {
    rolling,
    percentage,
    step: flag.strategy === 'gradual' ? flag.step : null,
    atLastStep: flag.strategy === 'gradual' ? flag.step >= flag.steps.length - 1 : percentage >= last,
    autoPromote: options.autoPromote && flag.auto_promote,
    bakeMs: bakeMsOf(flag, options),
    changedAt: new Date(flag.updated_at),
    healthySince,
  };
}

export function createGuardEvaluator(deps: GuardEvaluatorDeps): GuardEvaluator {
  const { plan, options, actor } = deps;
  const flagKey = plan.flag;
  let healthySince: Date | null = null;
  let seenVersion: number | null = null;
  let lastHold: HoldReason | null = null;
  let lastPrune = 0;

  const act = async (flag: Flag, verdict: Verdict): Promise<'rollback' | 'advance' | null> => {
    if (verdict.kind === 'rollback') {
      const change = await deps.store.update(flagKey, rollbackPatch(flag), {
        actor,
        action: 'rollback',
        reason: `guard: ${verdict.reasons.join('; ')}`,
        measured: { ...verdict.measured, reasons: verdict.reasons },
      });
      deps.logger?.warn(
        { flag: flagKey, reasons: verdict.reasons, measured: verdict.measured },
        'rollout guard rolled back',
      );
      if (change.changed) {
        try {
          deps.onRollback?.(flagKey, verdict);
        } catch {
          // A metrics hook must not make a committed rollback look failed.
        }
      }
      return 'rollback';
    }
    if (verdict.kind === 'advance') {
      // The snapshot may lag a concurrent change: promote only the state that was evaluated.
      const current = await deps.store.get(flagKey);
      if (!current || current.version !== flag.version) return null;
      await deps.store.advance(flagKey, {
        actor,
        reason: `guard: healthy for the bake time (${Math.round(bakeMsOf(flag, options) / 1000)} s)`,
        measured: { ...verdict.measured },
      });
      deps.logger?.info({ flag: flagKey, measured: verdict.measured }, 'rollout guard advanced one step');
      return 'advance';
    }
    return null;
  };

  const prune = async (db: Queryable, at: Date) => {
    if (at.getTime() - lastPrune < 60_000) return;
    lastPrune = at.getTime();
    await pruneWindows(db, {
      arms: new Date(at.getTime() - options.retainArmsMs),
      experiments: new Date(at.getTime() - options.retainExperimentsMs),
    });
  };

  return {
    async evaluate(db) {
      const flag = deps.flags.get(flagKey);
      if (!flag) return { verdict: null, acted: null, skipped: `no flag '${flagKey}'` };
      if (seenVersion !== flag.version) healthySince = null;
      seenVersion = flag.version;
      await deps.beforeEvaluate?.();
      const at = deps.now();
      // Data from before the flag's last change describes another exposure: it never counts for this one.
      const since = new Date(
        Math.max(at.getTime() - options.lookbackMs, new Date(flag.updated_at).getTime()),
      );
      const stats = await readWindowStats(db, {
        arm: plan.arms.on,
        controlArm: plan.arms.off,
        experiments: options.experiments,
        since,
        until: at,
      });
      const verdict = guardVerdict(
        { stats, rollout: rolloutStateOf(flag, options, healthySince) },
        options.thresholds,
        at,
      );
      healthySince = nextHealthySince(verdict, healthySince, at);
      const why = verdict.kind === 'hold' ? verdict.why : null;
      // An inconclusive window holds the rollout where it is: said once when it starts, not every cycle.
      if (verdict.kind === 'hold' && why !== lastHold && why?.startsWith('inconclusive')) {
        deps.logger?.warn({ flag: flagKey, reasons: verdict.reasons }, 'rollout guard holds: inconclusive');
      }
      lastHold = why;
      const acted = await act(flag, verdict);
      // Every instance (and the console) reads the leader's latest verdict from here.
      await writeVerdict(
        db,
        verdictRow({
          flagKey,
          at,
          instanceId: deps.instanceId,
          verdict,
          thresholds: options.thresholds,
          acted,
          flagVersion: flag.version,
        }),
      );
      await prune(db, at);
      return { verdict, acted };
    },
    reset() {
      healthySince = null;
    },
  };
}
