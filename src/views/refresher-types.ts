import type pg from 'pg';
import type { Pool } from '../db/pool.js';
import type { Logger } from '../logger.js';
import type { Progress } from '../progress.js';
import type { RefreshResult } from './refresh-matview.js';
import type { RefreshOutcomeKind } from './refresh-state.js';
import type { ViewDef } from './view-def.js';

/**
 * Glossary
 * - change: a commit that wrote a base table some matview reads; the table's statement trigger NOTIFYs it.
 * - pending: matviews with changes not yet reflected; each waits for a quiet period, at most the max staleness.
 * - refresh: REFRESH MATERIALIZED VIEW in its own transaction under the view's advisory lock.
 * - skipped: the lock was taken (another instance, a view apply); looked at again after a quiet period.
 * - staleness: how long the oldest unreflected change has waited; age: time since the last refresh.
 */

/** Sent by the statement-level trigger function of migration 0002 with the table name as payload. */
export const TABLE_CHANGED_CHANNEL = 'kgdb_table_changed';

export interface RefresherOptions {
  pool: Pool;
  views: readonly ViewDef[];
  /** Quiet period after the last change before refreshing; default 2000 ms. */
  quietMs?: number;
  /** The longest a change waits for its refresh under a steady stream of writes; default 60000 ms. */
  maxStalenessMs?: number;
  /** LISTEN for table changes and refresh automatically; default true. false: manual refresh() only. */
  listen?: boolean;
  /** Connection for the listener's dedicated client; default the pool's own settings. */
  connection?: pg.ClientConfig;
  /** Listener reconnect backoff (first delay, cap); default 100 ms, 30 s. */
  backoff?: { initialMs?: number; maxMs?: number };
  logger?: Logger;
  /** Runs after refreshes committed, with the matviews that got new rows (cache invalidation). */
  onRefreshed?: (names: readonly string[]) => void;
}

/** One matview's numbers for the metrics exporter. */
export interface ViewRefreshStats {
  name: string;
  /** Seconds since the first change not yet reflected; 0 when no change is known to be pending. */
  stalenessSeconds: number;
  /** Seconds since the last successful refresh (null: never refreshed). */
  ageSeconds: number | null;
  lastRefreshedAt: Date | null;
  lastDurationMs: number | null;
  lastOutcome: RefreshOutcomeKind | null;
  /** Counts in this process since start. */
  refreshed: number;
  skipped: number;
  failed: number;
}

/** The small interface the metrics work depends on. */
interface RefreshStatsSource {
  stats(): ViewRefreshStats[];
}

export interface Refresher extends RefreshStatsSource {
  /** Loads persisted state and, when listening, connects; resolves once LISTEN is in place. */
  start(): Promise<void>;
  /** Stops scheduling and listening; waits for an in-flight refresh to finish. */
  stop(): Promise<void>;
  /** Refreshes the named matviews (default all) and every matview reading them, in dependency order. */
  refresh(
    names?: readonly string[],
    options?: { force?: boolean; progress?: Progress },
  ): Promise<RefreshResult[]>;
  /** Treats these base tables as changed, exactly as a notification would. */
  tablesChanged(tables: readonly string[]): void;
}
