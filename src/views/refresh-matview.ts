import { lockSession, tryXactLock, unlockSession } from '../db/advisory.js';
import { type Pool, type PoolClient, withClient } from '../db/pool.js';
import { toError } from '../errors.js';
import { matviewRefreshInfo } from './catalog.js';
import { inTransaction } from './client-transaction.js';
import { type RefreshOutcomeKind, recordOutcome, recordRefreshed } from './refresh-state.js';
import type { ViewDef } from './view-def.js';
import { refreshSql } from './view-sql.js';

/** Notified (at commit) after every successful refresh: caches in every instance drop what read the view. */
export const VIEW_REFRESHED_CHANNEL = 'kgdb_view_refreshed';

/** The advisory lock one refresh of `name` holds, across every connection and instance. */
export const refreshLockName = (name: string) => `kgdb:refresh:${name}`;

export interface RefreshResult {
  name: string;
  outcome: RefreshOutcomeKind;
  /** REFRESH … CONCURRENTLY was used (readers were never blocked). */
  concurrently: boolean;
  durationMs: number;
  /** The server's message when outcome is 'failed'. */
  error?: string;
  /** Server clock at the start of the attempt: the snapshot time when refreshed, the skip time when skipped. */
  startedAt?: Date;
}

export interface RefreshOptions {
  /** Wait for a refresh running elsewhere to finish, then refresh, instead of skipping at once. */
  force?: boolean;
}

/**
 * Refreshes one matview in its own transaction under its advisory lock. Never throws for a failed refresh:
 * the outcome is data (and persisted), so a stack of matviews goes on with the next one.
 */
export async function refreshMatview(
  pool: Pool,
  def: ViewDef,
  options: RefreshOptions = {},
): Promise<RefreshResult> {
  const started = performance.now();
  return withClient(pool, async (client) => {
    // A session lock conflicts with the transaction-scoped one other refreshers try, so waiting on it
    // queues us behind a running refresh; the xact lock taken inside then succeeds (same session).
    if (options.force) await lockSession(client, refreshLockName(def.name));
    try {
      return await inTransaction(client, () => refreshLocked(client, def));
    } catch (raw) {
      const error = toError(raw).message;
      await recordOutcome(client, def.name, 'failed', error).catch(() => {
        // The connection died with the refresh; the returned outcome still reports the failure.
      });
      return {
        name: def.name,
        outcome: 'failed',
        concurrently: false,
        durationMs: performance.now() - started,
        error,
      };
    } finally {
      if (options.force) await unlockSession(client, refreshLockName(def.name)).catch(() => {});
    }
  });
}

async function refreshLocked(client: PoolClient, def: ViewDef): Promise<RefreshResult> {
  const startedAt = (await client.query<{ at: Date }>('select now() as at')).rows[0]?.at;
  if (!(await tryXactLock(client, refreshLockName(def.name)))) {
    await recordOutcome(client, def.name, 'skipped');
    return { name: def.name, outcome: 'skipped', concurrently: false, durationMs: 0, startedAt };
  }
  const live = await matviewRefreshInfo(client, def.name);
  if (!live) throw new Error(`${def.name} is not a materialized view in the database`);
  // CONCURRENTLY needs existing rows to diff against and a unique index to match them by.
  const concurrently = def.refresh?.concurrently === true && live.populated && live.hasConcurrentIndex;
  const started = performance.now();
  await client.query(refreshSql(def.name, concurrently));
  const durationMs = performance.now() - started;
  await recordRefreshed(client, def.name, durationMs);
  await client.query('select pg_notify($1, $2)', [VIEW_REFRESHED_CHANNEL, def.name]);
  return { name: def.name, outcome: 'refreshed', concurrently, durationMs, startedAt };
}
