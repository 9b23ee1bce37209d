import pg from 'pg';
import type { Pool } from '../../db/pool.js';
import { toError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import { effectivePercentage } from '../flags/flag-evaluation.js';
import type { FlagSnapshot } from '../flags/flag-snapshot.js';
import type { FlagStore } from '../flags/flag-store.js';
import type { Flag, FlagPatch } from '../flags/flag-types.js';
import { pruneWindows } from '../window/rollout-window-store.js';
import {
  DEFAULT_GUARD_THRESHOLDS,
  type GuardThresholds,
  guardVerdict,
  type HoldReason,
  nextHealthySince,
  type RolloutState,
  type Verdict,
} from './guard.js';
import { readWindowStats } from './guard-store.js';

/** Session advisory lock held by the one instance that evaluates and acts. */
export const GUARD_LOCK = 'kgdb:rollout:guard';

/**
 * Every setting of the guard, with its default. Thresholds: see GuardThresholds. The bake time and
 * auto-promotion come from the flag's own `bake_seconds` and `auto_promote` columns unless set here.
 */
export interface GuardOptions {
  /** The flag the guard rolls back and promotes. Default 'use_database_views'. */
  flagKey: string;
  /** The arm that flag turns on: the candidate. Default 'views'. */
  arm: string;
  /** The arm everyone else gets: the control the candidate is judged against. Default 'legacy'. */
  controlArm: string;
  /** Experiments whose candidate is that arm; undefined = every recorded experiment. */
  experiments?: readonly string[];
  /** Evaluate this often (also how often a follower retries the lock). Default 10,000 ms. */
  intervalMs: number;
  /** Evaluate over the windows that started this long ago or later. Default 60,000 ms. */
  lookbackMs: number;
  thresholds: GuardThresholds;
  /** Overrides the flag's bake_seconds (ms). */
  bakeMs?: number;
  /** Global permission to auto-promote; the flag's auto_promote must also be on. Default true. */
  autoPromote: boolean;
  /** Request windows kept (ms); default 2 h. Experiment windows kept (ms); default 7 days. */
  retainArmsMs: number;
  retainExperimentsMs: number;
}

export const DEFAULT_GUARD_OPTIONS: Readonly<GuardOptions> = Object.freeze({
  flagKey: 'use_database_views',
  arm: 'views',
  controlArm: 'legacy',
  intervalMs: 10_000,
  lookbackMs: 60_000,
  thresholds: DEFAULT_GUARD_THRESHOLDS,
  autoPromote: true,
  retainArmsMs: 2 * 3600_000,
  retainExperimentsMs: 7 * 24 * 3600_000,
});

export interface GuardLoopDeps {
  pool: Pool;
  /** Flag state without I/O. */
  flags: Pick<FlagSnapshot, 'get'>;
  /** Where rollbacks and promotions are written (each one an audited event). */
  store: Pick<FlagStore, 'get' | 'update' | 'advance'>;
  instanceId: string;
  options?: Partial<Omit<GuardOptions, 'thresholds'>> & { thresholds?: Partial<GuardThresholds> };
  /** Runs before each evaluation (the window writer's flush, so this instance's newest counts are in). */
  beforeEvaluate?: () => Promise<void>;
  /** Runs after a rollback was written (metrics: kgdb_rollout_aborted_total). */
  onRollback?: (flagKey: string, verdict: Extract<Verdict, { kind: 'rollback' }>) => void;
  /** Settings of the leader's own connection; default the pool's. */
  connection?: pg.ClientConfig;
  logger?: Logger;
  now?: () => Date;
}

export type GuardTick =
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

/** A rollback: the flag to 0 % and auto-promotion off, so it cannot climb back on its own. */
export function rollbackPatch(flag: Pick<Flag, 'strategy' | 'auto_promote'>): FlagPatch {
  const zero: FlagPatch = flag.strategy === 'gradual' ? { step: 0 } : { percentage: 0 };
  return flag.auto_promote ? { ...zero, auto_promote: false } : zero;
}

export function rolloutStateOf(flag: Flag, options: GuardOptions, healthySince: Date | null): RolloutState {
  const rolling = flag.enabled && (flag.strategy === 'gradual' || flag.strategy === 'percentage');
  const percentage = effectivePercentage(flag);
  const last = flag.steps[flag.steps.length - 1] ?? 100;
  return {
    rolling,
    percentage,
    step: flag.strategy === 'gradual' ? flag.step : null,
    atLastStep: flag.strategy === 'gradual' ? flag.step >= flag.steps.length - 1 : percentage >= last,
    autoPromote: options.autoPromote && flag.auto_promote,
    bakeMs: options.bakeMs ?? flag.bake_seconds * 1000,
    changedAt: new Date(flag.updated_at),
    healthySince,
  };
}

/**
 * The guard: every instance runs one; the holder of the session advisory lock GUARD_LOCK evaluates about every
 * 10 s over the last ~60 s of all instances and rolls back or promotes. When the leader dies its session ends,
 * the lock is free, and the next instance to tick takes over. The leader reads through its own connection, so a
 * leader whose connection is gone (and whose lock may already be someone else's) cannot act.
 */
export function createGuardLoop(deps: GuardLoopDeps): GuardLoop {
  const { thresholds, ...rest } = deps.options ?? {};
  const options: GuardOptions = {
    ...DEFAULT_GUARD_OPTIONS,
    ...Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)),
    thresholds: { ...DEFAULT_GUARD_THRESHOLDS, ...thresholds },
  };
  const now = deps.now ?? (() => new Date());
  const actor = `guard:${deps.instanceId}`;
  let client: pg.Client | undefined;
  let leader = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<GuardTick> | undefined;
  let lastTick: GuardTick | null = null;
  let healthySince: Date | null = null;
  let seenVersion: number | null = null;
  let lastHold: HoldReason | null = null;
  let lastPrune = 0;

  const drop = () => {
    const old = client;
    client = undefined;
    leader = false;
    healthySince = null;
    // Ending a broken connection can fail too; the server releases the session lock either way.
    old?.end().catch(() => {});
  };

  const connect = async () => {
    const c = new pg.Client({ ...(deps.connection ?? deps.pool.options), application_name: 'kgdb-guard' });
    c.on('error', (err) => {
      deps.logger?.warn({ err }, 'rollout guard: connection lost; leadership given up');
      if (client === c) drop();
    });
    await c.connect();
    client = c;
  };

  const tryLead = async (): Promise<boolean> => {
    if (!client) await connect();
    const { rows } = await (client as pg.Client).query<{ locked: boolean }>(
      'select pg_try_advisory_lock(hashtext($1)) as locked',
      [GUARD_LOCK],
    );
    leader = rows[0]?.locked === true;
    if (leader) deps.logger?.info({ instance: deps.instanceId }, 'rollout guard: this instance leads');
    return leader;
  };

  const act = async (flag: Flag, verdict: Verdict): Promise<'rollback' | 'advance' | null> => {
    if (verdict.kind === 'rollback') {
      const change = await deps.store.update(options.flagKey, rollbackPatch(flag), {
        actor,
        action: 'rollback',
        reason: `guard: ${verdict.reasons.join('; ')}`,
        measured: { ...verdict.measured, reasons: verdict.reasons },
      });
      deps.logger?.warn(
        { flag: options.flagKey, reasons: verdict.reasons, measured: verdict.measured },
        'rollout guard rolled back',
      );
      if (change.changed) {
        try {
          deps.onRollback?.(options.flagKey, verdict);
        } catch {
          // A metrics hook must not make a committed rollback look failed.
        }
      }
      return 'rollback';
    }
    if (verdict.kind === 'advance') {
      // The snapshot may lag a concurrent change: promote only the state that was evaluated.
      const current = await deps.store.get(options.flagKey);
      if (!current || current.version !== flag.version) return null;
      await deps.store.advance(options.flagKey, {
        actor,
        reason: `guard: healthy for the bake time (${Math.round(bakeMsOf(flag, options) / 1000)} s)`,
        measured: { ...verdict.measured },
      });
      deps.logger?.info(
        { flag: options.flagKey, measured: verdict.measured },
        'rollout guard advanced one step',
      );
      return 'advance';
    }
    return null;
  };

  const evaluate = async (): Promise<GuardTick> => {
    const flag = deps.flags.get(options.flagKey);
    if (!flag) return { role: 'leader', verdict: null, acted: null, skipped: `no flag '${options.flagKey}'` };
    if (seenVersion !== flag.version) healthySince = null;
    seenVersion = flag.version;
    await deps.beforeEvaluate?.();
    const at = now();
    // Data from before the flag's last change describes another exposure: it never counts for this one.
    const since = new Date(Math.max(at.getTime() - options.lookbackMs, new Date(flag.updated_at).getTime()));
    const stats = await readWindowStats(client as pg.Client, {
      arm: options.arm,
      controlArm: options.controlArm,
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
    // An inconclusive window holds the rollout where it is: said once when it starts, not every 10 s.
    if (verdict.kind === 'hold' && why !== lastHold && why?.startsWith('inconclusive')) {
      deps.logger?.warn(
        { flag: options.flagKey, reasons: verdict.reasons },
        'rollout guard holds: inconclusive',
      );
    }
    lastHold = why;
    const acted = await act(flag, verdict);
    await prune(at);
    return { role: 'leader', verdict, acted };
  };

  const prune = async (at: Date) => {
    if (at.getTime() - lastPrune < 60_000) return;
    lastPrune = at.getTime();
    await pruneWindows(client as pg.Client, {
      arms: new Date(at.getTime() - options.retainArmsMs),
      experiments: new Date(at.getTime() - options.retainExperimentsMs),
    });
  };

  const cycle = async (): Promise<GuardTick> => {
    try {
      if (!leader && !(await tryLead())) return { role: 'follower' };
      return await evaluate();
    } catch (raw) {
      // Fail soft: lose leadership (another instance may take over) and try again next tick.
      deps.logger?.warn({ err: toError(raw) }, 'rollout guard cycle failed');
      drop();
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
      return leader;
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
      const c = client;
      if (c && leader) await c.query('select pg_advisory_unlock(hashtext($1))', [GUARD_LOCK]).catch(() => {});
      client = undefined;
      leader = false;
      await c?.end().catch(() => {});
    },
    tick,
  };
}

function bakeMsOf(flag: Flag, options: GuardOptions): number {
  return options.bakeMs ?? flag.bake_seconds * 1000;
}
