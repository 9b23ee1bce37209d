import { EventEmitter } from 'node:events';
import type pg from 'pg';
import { createListener, type Listener } from '../../db/listener.js';
import { toError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import { errorEvaluation, evaluateFlag } from './flag-evaluation.js';
import type { FlagStore } from './flag-store.js';
import type {
  Evaluation,
  EvaluationContext,
  EvaluationErrorCode,
  EvaluationReason,
  Flag,
} from './flag-types.js';

/** The NOTIFY channel the feature_flags trigger sends on; the payload is the flag key. */
const FLAGS_CHANNEL = 'kgdb_flags';

const RELOAD_CAUSES = ['start', 'connect', 'reconnect', 'poll', 'notify', 'local'] as const;
type ReloadCause = (typeof RELOAD_CAUSES)[number];

export interface FlagSnapshotOptions {
  store: FlagStore;
  /** The dedicated LISTEN client's settings (a pool's `options` work); without them the snapshot only polls. */
  connection?: pg.ClientConfig;
  /** Fallback full reload for lost notifications; default 5 s. */
  pollMs?: number;
  logger?: Logger;
  /** application_name of the LISTEN client (tests use it to find and kill the backend). */
  applicationName?: string;
  /** Runs after every evaluation (metrics); its exceptions are swallowed. */
  onEvaluation?: (evaluation: Evaluation) => void;
}

interface FlagCounters {
  evaluations: Record<EvaluationReason, number>;
  errors: Record<EvaluationErrorCode, number>;
  reloads: Record<ReloadCause, number>;
  reloadFailures: number;
}

interface FlagSnapshotEvents {
  /** After a full reload has been applied. */
  reloaded: [{ cause: ReloadCause; flags: number }];
  /** After one flag was applied or removed (notify or local change). */
  applied: [{ key: string; cause: ReloadCause; version: number | null }];
}

export interface FlagSnapshot {
  /** Loads every flag, starts LISTEN (full reload on each (re)connect) and the poll. Rejects if the first load fails. */
  start(): Promise<void>;
  /** Stops the poll and the listener; evaluation keeps answering from the last state. */
  stop(): Promise<void>;
  /** In-memory only, never throws: an unknown key or a failure gives false with reason 'error'. */
  evaluate(key: string, context?: EvaluationContext): Evaluation;
  get(key: string): Flag | undefined;
  list(): Flag[];
  /** Full reload now (the poll and reconnects call it). */
  reload(cause?: ReloadCause): Promise<void>;
  /** Re-reads one flag (NOTIFY calls it). */
  reloadFlag(key: string, cause?: ReloadCause): Promise<void>;
  counters(): FlagCounters;
  readonly loadedAt: Date | null;
  readonly events: EventEmitter<FlagSnapshotEvents>;
}

const zeroes = <K extends string>(keys: readonly K[]) =>
  Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;

export function createFlagSnapshot(options: FlagSnapshotOptions): FlagSnapshot {
  const { store, logger } = options;
  const flags = new Map<string, Flag>();
  const events = new EventEmitter<FlagSnapshotEvents>();
  const counters: FlagCounters = {
    evaluations: zeroes(['disabled', 'static', 'split', 'error'] as const),
    errors: zeroes(['FLAG_NOT_FOUND', 'TARGETING_KEY_MISSING', 'GENERAL'] as const),
    reloads: zeroes(['start', 'connect', 'reconnect', 'poll', 'notify', 'local'] as const),
    reloadFailures: 0,
  };
  // Rows carry versions, so an older read never replaces a newer row. Absence carries none: a full reload
  // removes a missing key only if no single-flag reload or local change touched it since the reload began.
  let tick = 0;
  const touchedAt = new Map<string, number>();
  const warnedUnknown = new Set<string>();
  let loadedAt: Date | null = null;
  let listener: Listener | undefined;
  let timer: NodeJS.Timeout | undefined;
  let unsubscribe: (() => void) | undefined;

  /** Versions only grow, so an older read never replaces a newer row. */
  const apply = (flag: Flag, cause: ReloadCause) => {
    const held = flags.get(flag.key);
    if (held && held.version > flag.version) return;
    flags.set(flag.key, Object.freeze({ ...flag, steps: Object.freeze([...flag.steps]) as number[] }));
    events.emit('applied', { key: flag.key, cause, version: flag.version });
  };

  const reload = async (cause: ReloadCause = 'poll') => {
    const startedAt = tick;
    const rows = await store.list();
    const seen = new Set(rows.map((r) => r.key));
    for (const row of rows) apply(row, cause);
    for (const key of flags.keys()) {
      if (!seen.has(key) && (touchedAt.get(key) ?? -1) <= startedAt) flags.delete(key);
    }
    loadedAt = new Date();
    counters.reloads[cause]++;
    events.emit('reloaded', { cause, flags: flags.size });
  };

  const reloadFlag = async (key: string, cause: ReloadCause = 'notify') => {
    touchedAt.set(key, ++tick);
    const row = await store.get(key);
    counters.reloads[cause]++;
    if (row) apply(row, cause);
    else if (flags.delete(key)) events.emit('applied', { key, cause, version: null });
  };

  const softly = (what: string, work: Promise<void>) =>
    work.catch((raw) => {
      // Fail soft: evaluation keeps the last good state; the next poll or notification tries again.
      counters.reloadFailures++;
      logger?.warn({ err: toError(raw) }, `feature flags: ${what} failed`);
    });

  const count = (evaluation: Evaluation) => {
    counters.evaluations[evaluation.reason]++;
    if (evaluation.errorCode) counters.errors[evaluation.errorCode]++;
    if (
      evaluation.errorCode === 'FLAG_NOT_FOUND' &&
      !warnedUnknown.has(evaluation.key) &&
      warnedUnknown.size < 100
    ) {
      warnedUnknown.add(evaluation.key);
      logger?.warn({ flag: evaluation.key }, 'feature flags: evaluated an unknown flag; answering false');
    }
    try {
      options.onEvaluation?.(evaluation);
    } catch {
      // A metrics hook must never turn an evaluation into a failed request.
    }
  };

  return {
    events,
    get loadedAt() {
      return loadedAt;
    },
    async start() {
      unsubscribe = store.subscribe((flag) => {
        touchedAt.set(flag.key, ++tick);
        counters.reloads.local++;
        apply(flag, 'local');
      });
      if (options.connection) {
        listener = createListener({
          connection: options.connection,
          channels: [FLAGS_CHANNEL],
          applicationName: options.applicationName ?? 'kgdb-flags',
          onNotification: (_channel, key) => void softly(`reload of '${key}'`, reloadFlag(key, 'notify')),
          // Notifications sent while disconnected are lost: every (re)connect reloads everything.
          onConnected: ({ reconnect }) => softly('full reload', reload(reconnect ? 'reconnect' : 'connect')),
        });
        listener.events.on('error', (err) => logger?.warn({ err }, 'feature flags: listener error'));
        await listener.start();
      }
      if (loadedAt === null) await reload('start');
      timer = setInterval(() => void softly('poll', reload('poll')), options.pollMs ?? 5000);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      unsubscribe?.();
      await listener?.close();
      listener = undefined;
    },
    evaluate(key, context = {}) {
      let evaluation: Evaluation;
      try {
        evaluation = evaluateFlag(key, flags.get(key), context);
      } catch (raw) {
        evaluation = errorEvaluation(key, 'GENERAL', toError(raw).message);
      }
      count(evaluation);
      return evaluation;
    },
    get: (key) => flags.get(key),
    list: () => [...flags.values()].sort((a, b) => a.key.localeCompare(b.key)),
    reload,
    reloadFlag,
    counters: () => structuredClone(counters),
  };
}
