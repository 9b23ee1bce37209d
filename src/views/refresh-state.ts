import type { PoolClient, Queryable } from '../db/pool.js';
import type { ServerClockReading } from './refresh-schedule.js';

const REFRESH_OUTCOMES = ['refreshed', 'skipped', 'failed'] as const;
export type RefreshOutcomeKind = (typeof REFRESH_OUTCOMES)[number];

/** A row of kgdb_view_refresh_state. */
export interface RefreshState {
  name: string;
  /** Snapshot time of the last successful refresh (or of the apply that populated the matview). */
  lastRefreshedAt: Date | null;
  lastDurationMs: number | null;
  lastOutcome: RefreshOutcomeKind | null;
  lastOutcomeAt: Date | null;
  lastError: string | null;
}

export async function readRefreshState(db: Queryable): Promise<Map<string, RefreshState>> {
  const { rows } = await db.query<RefreshState>(
    `select name, last_refreshed_at as "lastRefreshedAt", last_duration_ms as "lastDurationMs",
            last_outcome as "lastOutcome", last_outcome_at as "lastOutcomeAt", last_error as "lastError"
       from kgdb_view_refresh_state`,
  );
  return new Map(rows.map((r) => [r.name, r] as const));
}

/**
 * The server's clock now, with the local time the query was sent (see coveredByLastRefresh). Give it a
 * connection already held, so that the reading's error is one round trip, not a pool wait or a connection set-up.
 */
export async function readServerClock(client: PoolClient): Promise<ServerClockReading> {
  const sentMs = Date.now();
  const { rows } = await client.query<{ now: Date }>('select clock_timestamp() as now');
  return { sentMs, serverMs: (rows[0] as { now: Date }).now.getTime() };
}

/**
 * Called inside the refresh transaction, so the state commits with the data. now() is the transaction start:
 * the refresh saw no commit later than that, so it is the honest "data as of" time.
 */
export async function recordRefreshed(db: Queryable, name: string, durationMs: number): Promise<void> {
  await db.query(
    `insert into kgdb_view_refresh_state as s
            (name, last_refreshed_at, last_duration_ms, last_outcome, last_outcome_at, last_error)
     values ($1, now(), $2, 'refreshed', clock_timestamp(), null)
     on conflict (name) do update
       set last_refreshed_at = excluded.last_refreshed_at, last_duration_ms = excluded.last_duration_ms,
           last_outcome = 'refreshed', last_outcome_at = excluded.last_outcome_at, last_error = null`,
    [name, durationMs],
  );
}

/** Skips and failures keep the last successful refresh time: staleness keeps growing until one succeeds. */
export async function recordOutcome(
  db: Queryable,
  name: string,
  outcome: 'skipped' | 'failed',
  error: string | null = null,
): Promise<void> {
  await db.query(
    `insert into kgdb_view_refresh_state as s (name, last_outcome, last_outcome_at, last_error)
     values ($1, $2, clock_timestamp(), $3)
     on conflict (name) do update
       set last_outcome = excluded.last_outcome, last_outcome_at = excluded.last_outcome_at,
           last_error = excluded.last_error`,
    [name, outcome, error],
  );
}
