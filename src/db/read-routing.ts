import { unavailableReason } from './unavailable.js';

/**
 * The decisions of the read router (read-pool.ts), pure: what a failed replica query means, and where the
 * replica stands after an event. No I/O, no clock.
 */

/**
 * - unavailable: the replica cannot answer at all (refused, terminated, shut down, starting up, connect timeout,
 *   out of slots, or unusable as configured): retry on the primary and stop sending reads there;
 * - conflict: the standby cancelled this one statement because replay needed what it read ("conflict with
 *   recovery", SQLSTATE 40001): retry it on the primary, the replica itself is fine;
 * - query: anything else is the statement's own fault (a bug) and fails on the primary too: rethrow.
 */
export type ReadFailure = 'unavailable' | 'conflict' | 'query';

/** What a hot standby cancels a query with when replay conflicts with it (a snapshot, a lock, a buffer pin). */
const RECOVERY_CONFLICT = '40001';

/**
 * A replica that refuses our credentials (class 28) or has no such database (3D000) answers no read either: it
 * is as good as unreachable, and the primary (which has both) serves while the log line names the cause.
 */
const MISCONFIGURED = /^(28[0-9A-Z]{3}|3D000)$/;

export function classifyReadError(raw: unknown): ReadFailure {
  if (unavailableReason(raw) !== null) return 'unavailable';
  const code = typeof raw === 'object' && raw !== null ? (raw as { code?: unknown }).code : undefined;
  if (code === RECOVERY_CONFLICT) return 'conflict';
  if (typeof code === 'string' && MISCONFIGURED.test(code)) return 'unavailable';
  return 'query';
}

/**
 * up: reads go to the replica. down: they go to the primary until a recheck passes; `attempt` counts failed
 * rechecks (their backoff), `replayTarget` is an LSN the replica must have replayed before it serves again
 * (set when it fell behind, or when the cache dropped a change while it was down: serving from it sooner could
 * refill the cache with data older than what it was told about).
 */
export type ReplicaState =
  | { status: 'up' }
  | { status: 'down'; cause: 'unavailable' | 'lagging'; attempt: number; replayTarget: string | null };

export type ReplicaEvent =
  /** A read or a replay check failed with a connection-level error. */
  | { type: 'unavailable' }
  /**
   * The replica must have replayed `lsn` before it serves again: it had not within the replay wait's cap (up →
   * down), or a change was applied to the cache while it was down (its target moves on).
   */
  | { type: 'behind'; lsn: string }
  | { type: 'recheck-failed' }
  | { type: 'recheck-passed' };

export const REPLICA_UP: ReplicaState = Object.freeze({ status: 'up' });

export function nextReplicaState(state: ReplicaState, event: ReplicaEvent): ReplicaState {
  if (state.status === 'up') {
    if (event.type === 'unavailable')
      return { status: 'down', cause: 'unavailable', attempt: 0, replayTarget: null };
    if (event.type === 'behind')
      return { status: 'down', cause: 'lagging', attempt: 0, replayTarget: event.lsn };
    // A recheck that finished after something else brought the replica back.
    return state;
  }
  switch (event.type) {
    case 'recheck-passed':
      return REPLICA_UP;
    case 'recheck-failed':
      return { ...state, attempt: state.attempt + 1 };
    case 'behind':
      // Replay waits run one at a time, so a later one's LSN is the larger: it is the one to reach.
      return { ...state, replayTarget: event.lsn };
    case 'unavailable':
      return state;
  }
}

/** Only a change of status is worth a log line: one when the replica goes down, one when it is back. */
export const statusChanged = (before: ReplicaState, after: ReplicaState): boolean =>
  before.status !== after.status;

/** Pause before replay check number `attempt` (0-based): 2, 4, 8, 16, 32, then 50 ms. */
export function replayPollDelayMs(attempt: number): number {
  return Math.min(50, 2 * 2 ** Math.min(attempt, 10));
}

/**
 * Sizes of a WAL page header (PostgreSQL's MAXALIGNed XLogPageHeaderData and XLogLongPageHeaderData); the first
 * page of a segment carries the long one.
 */
const SHORT_PAGE_HEADER = 24n;
const LONG_PAGE_HEADER = 40n;

const parseLsn = (lsn: string): bigint => {
  const [hi = '', lo = ''] = lsn.split('/');
  return (BigInt(`0x${hi}`) << 32n) | BigInt(`0x${lo}`);
};
const formatLsn = (value: bigint): string =>
  `${(value >> 32n).toString(16).toUpperCase()}/${(value & 0xffffffffn).toString(16).toUpperCase()}`;

/**
 * The end of the last WAL record inserted, from pg_current_wal_insert_lsn(): the LSN a replica has replayed once
 * it has everything committed so far. The insert position is where the next record will start, so when the last
 * one ended exactly at a page end it points past the next page's header, an LSN replay reaches only with the
 * next record (on an idle primary, up to a checkpoint or the 15 s standby snapshot later). That header is taken
 * off: no record can end inside it.
 */
export function replayTargetOf(insertLsn: string, walBlockSize: number, walSegmentSize: number): string {
  const lsn = parseLsn(insertLsn);
  if (lsn % BigInt(walSegmentSize) === LONG_PAGE_HEADER) return formatLsn(lsn - LONG_PAGE_HEADER);
  if (lsn % BigInt(walBlockSize) === SHORT_PAGE_HEADER) return formatLsn(lsn - SHORT_PAGE_HEADER);
  return insertLsn;
}
