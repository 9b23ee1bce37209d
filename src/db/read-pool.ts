import type { QueryResult } from 'pg';
import { toError } from '../errors.js';
import type { Logger } from '../logger.js';
import { backoffDelay } from './listener.js';
import type { Pool } from './pool.js';
import {
  classifyReadError,
  nextReplicaState,
  REPLICA_UP,
  type ReplicaEvent,
  type ReplicaState,
  replayPollDelayMs,
  replayTargetOf,
  statusChanged,
} from './read-routing.js';
import { unavailableReason } from './unavailable.js';

/**
 * Reads of the views arm on a PostgreSQL streaming replica (DATABASE_READ_URL), with the primary behind it
 * (docs/read-replica.md). A `Queryable`: a statement goes to the replica; when the replica cannot answer it
 * (connection-level failure) the same statement runs on the primary, the replica is marked down, and reads go
 * to the primary until a recheck after a backoff finds it back. A statement's own error is rethrown: it would
 * fail on the primary too. Named statements work: a statement is prepared per connection, on whichever server
 * the connection belongs to.
 */

/** A new replica connection that takes longer than this fails over: a dead host must not hang requests. */
export const REPLICA_CONNECT_TIMEOUT_MS = 2_000;

/** Where reads stand: the health route and the metrics read it, no query. */
export type ReplicaStatus = ReplicaState['status'];

/** Why a read ran on the primary: its replica attempt failed (unavailable, conflict), or the replica was down. */
type FallbackReason = 'unavailable' | 'conflict' | 'down';
/** How a replay wait ended: replayed, gave up at the cap (reads then go to the primary), or not needed (down). */
type ReplayWaitOutcome = 'caught_up' | 'timed_out' | 'skipped';

export interface ReadReplicaStats {
  up: boolean;
  fallbacks: Record<FallbackReason, number>;
  replayWaits: Record<ReplayWaitOutcome, number>;
  /** Total time spent in replay waits. */
  replayWaitSeconds: number;
}

export interface ReadRouterOptions {
  primary: Pool;
  replica: Pool;
  logger: Logger;
  /** Backoff between rechecks while the replica is down; default 1 s doubling to 30 s (with jitter). */
  recheck?: { initialMs?: number; maxMs?: number };
  /**
   * How long waitForReplay waits for the replica; past it the replica counts as behind: reads go to the
   * primary until it has replayed what it was waited for. Default 5 s. A recheck the replica does not answer
   * within it counts as failed.
   */
  maxReplayWaitMs?: number;
  random?: () => number;
}

export interface ReadRouter {
  /** pg's promise forms — query(text, values?) and query(config) — sent to the replica or the primary. */
  query: Pool['query'];
  readonly status: ReplicaStatus;
  /**
   * Resolves once a read sent from now on sees everything the primary had committed when this was called:
   * the replica has replayed the primary's current WAL position, or reads go to the primary anyway (replica
   * down, or behind past maxReplayWaitMs). Rejects only when the primary cannot be asked its position.
   */
  waitForReplay(): Promise<void>;
  stats(): ReadReplicaStats;
  /** Stops rechecking; the pools belong to the caller. */
  close(): void;
}

/** True when the replica has replayed `$1` (a server not in recovery holds everything it serves). */
const REPLAYED_SQL = `select case when pg_is_in_recovery()
            then pg_last_wal_replay_lsn() >= coalesce($1::pg_lsn, '0/0'::pg_lsn)
            else true end as replayed`;

/** Where the primary's WAL ends now, and the sizes replayTargetOf needs. */
const WAL_POSITION_SQL = `select pg_current_wal_insert_lsn()::text as insert_lsn,
       current_setting('wal_block_size')::int as block_size,
       (select setting::bigint from pg_settings where name = 'wal_segment_size') as segment_size`;
interface WalPosition {
  insert_lsn: string;
  block_size: number;
  segment_size: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * `check`'s answer, or false once `ms` have passed: a replica whose connection stops answering (a network
 * partition drops packets without a reset) would otherwise hold the replay wait, and every invalidation behind
 * it, until TCP gives up. The abandoned query keeps its connection until the server or the OS ends it.
 */
function answerWithin(check: Promise<boolean>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), Math.max(0, ms));
  });
  // Rejections after the deadline have nobody to tell.
  check.catch(() => {});
  return Promise.race([check, expired]).finally(() => clearTimeout(timer));
}

type QueryArgs = unknown[];
const send = (pool: Pool, args: QueryArgs) =>
  (pool.query as (...a: QueryArgs) => Promise<QueryResult>)(...args);

export function createReadRouter(options: ReadRouterOptions): ReadRouter {
  const { primary, replica, logger } = options;
  const initialMs = options.recheck?.initialMs ?? 1_000;
  const maxMs = options.recheck?.maxMs ?? 30_000;
  const maxReplayWaitMs = options.maxReplayWaitMs ?? 5_000;
  const random = options.random ?? Math.random;
  let state: ReplicaState = REPLICA_UP;
  let closed = false;
  let recheckTimer: NodeJS.Timeout | undefined;
  const fallbacks: Record<FallbackReason, number> = { unavailable: 0, conflict: 0, down: 0 };
  const replayWaits: Record<ReplayWaitOutcome, number> = { caught_up: 0, timed_out: 0, skipped: 0 };
  let replayWaitMs = 0;

  /** Whether the replica has replayed `lsn` (null: whether it answers at all). */
  const replayed = async (lsn: string | null): Promise<boolean> => {
    const { rows } = await replica.query<{ replayed: boolean }>(REPLAYED_SQL, [lsn]);
    return rows[0]?.replayed === true;
  };

  const scheduleRecheck = () => {
    if (closed || state.status !== 'down') return;
    clearTimeout(recheckTimer);
    recheckTimer = setTimeout(recheck, backoffDelay(state.attempt, initialMs, maxMs, random()));
    recheckTimer.unref();
  };

  function apply(event: ReplicaEvent, err?: unknown): void {
    const before = state;
    state = nextReplicaState(state, event);
    if (statusChanged(before, state)) {
      if (state.status === 'down') {
        logger.warn(
          state.cause === 'lagging'
            ? { cause: state.cause, replayTarget: state.replayTarget, maxReplayWaitMs }
            : { cause: state.cause, reason: unavailableReason(err) ?? toError(err).message },
          'read replica down: reads go to the primary until a recheck finds it back',
        );
        scheduleRecheck();
      } else {
        logger.info('read replica back: reads go to the replica again');
      }
    }
  }

  async function recheck(): Promise<void> {
    if (closed || state.status !== 'down') return;
    const target = state.replayTarget;
    let passed = false;
    try {
      passed = await answerWithin(replayed(target), maxReplayWaitMs);
    } catch (raw) {
      logger.debug({ err: toError(raw) }, 'read replica recheck failed');
    }
    if (closed) return;
    // A change dropped from the cache meanwhile moved the target: this answer is about the old one.
    if (state.status === 'down' && state.replayTarget !== target) return scheduleRecheck();
    apply({ type: passed ? 'recheck-passed' : 'recheck-failed' });
    scheduleRecheck();
  }

  const query = (async (...args: QueryArgs) => {
    if (typeof args.at(-1) === 'function') {
      throw new TypeError('the read router takes promise-style queries only (no callback)');
    }
    if (state.status === 'down') {
      fallbacks.down += 1;
      return send(primary, args);
    }
    try {
      return await send(replica, args);
    } catch (raw) {
      const failure = classifyReadError(raw);
      if (failure === 'query') throw raw;
      fallbacks[failure] += 1;
      if (failure === 'unavailable') apply({ type: 'unavailable' }, raw);
      return send(primary, args);
    }
  }) as Pool['query'];

  /** A function, not a narrowed check: `state` changes across the awaits below. */
  const onPrimary = () => closed || state.status === 'down';

  async function waitForReplay(): Promise<void> {
    const started = performance.now();
    const finish = (outcome: ReplayWaitOutcome) => {
      replayWaits[outcome] += 1;
      replayWaitMs += performance.now() - started;
    };
    if (closed) return finish('skipped');
    // The insert position, not pg_current_wal_lsn() (written): with synchronous_commit = off a commit (and the
    // NOTIFY after it) can come before its WAL is written.
    const { rows } = await primary.query<WalPosition>(WAL_POSITION_SQL);
    const position = rows[0] as WalPosition;
    const lsn = replayTargetOf(position.insert_lsn, position.block_size, position.segment_size);
    for (let attempt = 0; ; attempt++) {
      if (onPrimary()) {
        // Reads go to the primary now; the replica serves again only once it has this change too.
        apply({ type: 'behind', lsn });
        return finish('skipped');
      }
      try {
        const left = maxReplayWaitMs - (performance.now() - started);
        if (await answerWithin(replayed(lsn), left)) return finish('caught_up');
      } catch (raw) {
        const failure = classifyReadError(raw);
        if (failure === 'query') throw raw;
        if (failure === 'unavailable') apply({ type: 'unavailable' }, raw);
      }
      if (performance.now() - started >= maxReplayWaitMs) {
        apply({ type: 'behind', lsn });
        return finish('timed_out');
      }
      await sleep(replayPollDelayMs(attempt));
    }
  }

  return {
    query,
    get status() {
      return state.status;
    },
    waitForReplay,
    stats: () => ({
      up: state.status === 'up',
      fallbacks: { ...fallbacks },
      replayWaits: { ...replayWaits },
      replayWaitSeconds: replayWaitMs / 1000,
    }),
    close() {
      closed = true;
      clearTimeout(recheckTimer);
    },
  };
}
