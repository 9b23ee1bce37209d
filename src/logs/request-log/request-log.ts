import type { Queryable } from '../../db/pool.js';
import { isDatabaseUnavailable } from '../../db/unavailable.js';
import { toError } from '../../errors.js';
import {
  ENSURE_PARTITIONS_SQL,
  ensurePartitionsValues,
  PARTITION_HORIZON_SQL,
  PARTITIONS_AHEAD_MS,
} from '../log-partitions.js';

/**
 * The server's own request log, written into system_logs off the request path. A request only appends to an
 * in-memory queue (O(1), no I/O, never awaited); a timer flushes the queue about once a second with ONE
 * multi-row INSERT … SELECT FROM unnest(arrays). The queue is bounded: when it is full a row is dropped and
 * counted, so a slow or unreachable database costs memory up to the bound and never request latency. A batch
 * whose INSERT fails because the database is unavailable (see src/db/unavailable.ts) goes back to the head of
 * the queue and is written, in arrival order, by the first flush after the database is back; what does not fit
 * the bound then is dropped and counted. A batch failing for any other reason (a bad row) is dropped and
 * counted as failed: retrying it would fail again.
 *
 * system_logs is partitioned by week (migration 0011). The INSERT also reports the end of the newest partition;
 * when that is less than a week ahead of the writer's clock, the flush creates the next week's partition
 * (kgdb_system_logs_ensure_partitions: idempotent and serialised across instances in PostgreSQL), so rows
 * arrive in a partition that already exists. Should one be missing, they go to the default partition and are
 * moved into their week when it is created: an insert never fails for want of a partition.
 */

/** One request as system_logs stores it. */
export interface RequestLogRow {
  timestamp: Date;
  level: string;
  logger: string;
  message: string;
  context: Record<string, unknown> | null;
  request_id: string | null;
  ip_address: string | null;
  user_agent: string | null;
  path: string;
  method: string;
  user_id: number | null;
  status_code: number;
  duration_ms: number;
}

interface RequestLogStats {
  /** Rows accepted into the queue since start. */
  enqueued: number;
  /** Rows the database confirmed. */
  written: number;
  /** Rows refused or given up because the queue was full, or because the writer closed before writing them. */
  dropped: number;
  /** Rows lost with a batch whose INSERT failed for another reason than an unavailable database. */
  failed: number;
  /** Rows put back into the queue after an INSERT failed on an unavailable database (one row may count twice). */
  requeued: number;
  flushes: number;
  flush_errors: number;
  /** Partition creations that failed (a lock not granted in time); retried after PARTITION_RETRY_MS. */
  partition_errors: number;
  /** Rows waiting now, and the bound. */
  queued: number;
  capacity: number;
}

export interface RequestLogWriter {
  /** Queues a row; false (and counted as dropped) when the queue is full or the writer is closed. */
  enqueue(row: RequestLogRow): boolean;
  /** Writes what is queued now in one INSERT; resolves when it is written (or has failed and been counted). */
  flush(): Promise<void>;
  /**
   * Stops the timer and writes what is left, waiting at most closeTimeoutMs (a dead database must not hold up
   * shutdown). Rows still unwritten then are counted as dropped, as are rows offered after close.
   */
  close(): Promise<void>;
  stats(): RequestLogStats;
}

export interface RequestLogWriterOptions {
  db: Queryable;
  /** Rows the queue holds before dropping (10,000: ~10 s of traffic at 1,000 requests/s). */
  capacity?: number;
  flushIntervalMs?: number;
  /** How long close() waits for the last writes. */
  closeTimeoutMs?: number;
  /** Told about each flush whose rows were lost (the server logs it); never throws into the timer. */
  onFlushError?: (err: Error, rows: number) => void;
  /** The clock partitions are kept ahead of (tests move it). */
  now?: () => Date;
}

const REQUEST_LOG_DEFAULTS = {
  capacity: 10_000,
  flushIntervalMs: 1_000,
  closeTimeoutMs: 5_000,
} as const;

/** After a failed partition creation, the next attempt waits this long (each attempt may wait for a lock). */
const PARTITION_RETRY_MS = 60_000;

// A row whose user was deleted between the request and the flush keeps its row with user_id NULL instead of
// failing the whole batch on the foreign key. ORDER BY the array position: ids follow arrival order (the join
// may emit rows in any order). The statement then reads the partition horizon: one round trip per flush.
const INSERT_SQL = `
with written as (
insert into system_logs (timestamp, level, logger, message, context, request_id, ip_address, user_agent, path,
                         method, user_id, status_code, duration_ms)
select r.timestamp, r.level, r.logger, r.message, r.context::jsonb, r.request_id, r.ip_address, r.user_agent,
       r.path, r.method, u.id, r.status_code, r.duration_ms
  from unnest($1::timestamptz[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
              $8::text[], $9::text[], $10::text[], $11::bigint[], $12::integer[], $13::float8[])
         with ordinality
       as r(timestamp, level, logger, message, context, request_id, ip_address, user_agent, path, method,
            user_id, status_code, duration_ms, n)
  left join users u on u.id = r.user_id
 order by r.n)
${PARTITION_HORIZON_SQL}`;

/** Column arrays for unnest, in INSERT_SQL's parameter order. */
function toColumnArrays(rows: readonly RequestLogRow[]): unknown[] {
  return [
    rows.map((r) => r.timestamp.toISOString()),
    rows.map((r) => r.level),
    rows.map((r) => r.logger),
    rows.map((r) => r.message),
    rows.map((r) => (r.context === null ? null : JSON.stringify(r.context))),
    rows.map((r) => r.request_id),
    rows.map((r) => r.ip_address),
    rows.map((r) => r.user_agent),
    rows.map((r) => r.path),
    rows.map((r) => r.method),
    rows.map((r) => r.user_id),
    rows.map((r) => r.status_code),
    rows.map((r) => r.duration_ms),
  ];
}

export function createRequestLogWriter(options: RequestLogWriterOptions): RequestLogWriter {
  const capacity = options.capacity ?? REQUEST_LOG_DEFAULTS.capacity;
  const counters = {
    enqueued: 0,
    written: 0,
    dropped: 0,
    failed: 0,
    requeued: 0,
    flushes: 0,
    flush_errors: 0,
    partition_errors: 0,
  };
  const now = options.now ?? (() => new Date());
  let partitionRetryAt = 0;
  let queue: RequestLogRow[] = [];
  let inFlight: Promise<void> | undefined;
  let closed = false;

  /**
   * Puts a batch the database could not take back in front of what arrived meanwhile (arrival order kept) and
   * drops the newest rows beyond the bound, as enqueue does. After close() nothing writes them: dropped.
   */
  function requeue(batch: RequestLogRow[]): void {
    if (closed) {
      counters.dropped += batch.length;
      return;
    }
    counters.requeued += batch.length;
    queue = batch.concat(queue);
    if (queue.length > capacity) {
      counters.dropped += queue.length - capacity;
      queue.length = capacity;
    }
  }

  /** Creates the next week's partition when the newest one ends less than a week after now. */
  async function keepPartitionsAhead(horizon: Date | null | undefined): Promise<void> {
    const at = now();
    if (horizon && horizon.getTime() - at.getTime() >= PARTITIONS_AHEAD_MS) return;
    if (at.getTime() < partitionRetryAt) return;
    try {
      await options.db.query(ENSURE_PARTITIONS_SQL, ensurePartitionsValues(at));
    } catch {
      // The rows are written (to the default partition if need be); only the next weeks wait for a retry.
      counters.partition_errors += 1;
      partitionRetryAt = at.getTime() + PARTITION_RETRY_MS;
    }
  }

  async function write(batch: RequestLogRow[]): Promise<void> {
    let horizon: Date | null | undefined;
    try {
      const { rows } = await options.db.query<{ horizon: Date | null }>(INSERT_SQL, toColumnArrays(batch));
      counters.written += batch.length;
      horizon = rows[0]?.horizon;
    } catch (raw) {
      const err = toError(raw);
      counters.flush_errors += 1;
      if (isDatabaseUnavailable(err)) {
        // Not reported: during an outage this fails every tick, and the outage is logged by every 503.
        requeue(batch);
      } else {
        counters.failed += batch.length;
        options.onFlushError?.(err, batch.length);
      }
      return;
    } finally {
      counters.flushes += 1;
    }
    await keepPartitionsAhead(horizon);
  }

  /** One flush at a time: a tick during a slow INSERT waits for the next tick, the queue keeps filling. */
  function flush(): Promise<void> {
    if (inFlight) return inFlight.then(flush);
    if (queue.length === 0) return Promise.resolve();
    const batch = queue;
    queue = [];
    inFlight = write(batch).finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  }

  const timer = setInterval(() => {
    if (!inFlight) void flush();
  }, options.flushIntervalMs ?? REQUEST_LOG_DEFAULTS.flushIntervalMs);
  // The timer alone must not keep a process alive; close() writes the tail.
  timer.unref();

  return {
    enqueue(row) {
      if (closed || queue.length >= capacity) {
        counters.dropped += 1;
        return false;
      }
      queue.push(row);
      counters.enqueued += 1;
      return true;
    },
    flush,
    async close() {
      if (closed) return;
      closed = true;
      clearInterval(timer);
      let timeout: NodeJS.Timeout | undefined;
      const gaveUp = new Promise<'timeout'>((resolve) => {
        timeout = setTimeout(
          resolve,
          options.closeTimeoutMs ?? REQUEST_LOG_DEFAULTS.closeTimeoutMs,
          'timeout',
        );
      });
      await Promise.race([flush(), gaveUp]);
      clearTimeout(timeout);
      // Left over: rows queued behind a write still running at the timeout, or a batch the database refused.
      counters.dropped += queue.length;
      queue = [];
    },
    stats: () => ({ ...counters, queued: queue.length, capacity }),
  };
}
