import pg from 'pg';
import type { Pool } from '../db/pool.js';
import { liveRelations, liveViewNames } from './catalog.js';
import { type RefreshOutcomeKind, readRefreshState } from './refresh-state.js';
import { buildRegistry } from './registry.js';
import { readApplied } from './registry-store.js';
import type { ViewDef, ViewKind } from './view-def.js';
import { type ViewState, viewState } from './view-state.js';

interface ViewStatusEntry {
  name: string;
  kind: ViewKind;
  state: ViewState;
  dependsOn: readonly string[];
  /** Materialized views only (null when missing or never populated). */
  rowCount?: number | null;
  lastRefreshedAt?: Date | null;
  /** Seconds since the last successful refresh: how old the rows can be at most. */
  stalenessSeconds?: number | null;
  /** How long the last successful refresh took. */
  lastDurationMs?: number | null;
  lastOutcome?: RefreshOutcomeKind | null;
  lastError?: string | null;
}

export interface ViewStatusReport {
  /** True when every declared view is in_sync. */
  ok: boolean;
  /** Declared views in dependency order. */
  views: ViewStatusEntry[];
  /** Views the registry applied earlier that are no longer declared (`apply --prune` drops them). */
  undeclared: string[];
  /** Views in the schema the registry neither declares nor created. */
  unmanaged: string[];
}

/** Read-only: what `kgdb views status` shows. Takes no lock beyond the row counts' AccessShareLock. */
export async function viewStatus(pool: Pool, views: readonly ViewDef[]): Promise<ViewStatusReport> {
  const registry = buildRegistry(views);
  const names = registry.ordered.map((v) => v.name);
  const [live, applied, refresh, allViews, now] = await Promise.all([
    liveRelations(pool, names),
    readApplied(pool),
    readRefreshState(pool),
    liveViewNames(pool),
    pool.query<{ now: Date }>('select now() as now').then((r) => (r.rows[0] as { now: Date }).now),
  ]);
  const entries: ViewStatusEntry[] = [];
  for (const def of registry.ordered) {
    const rel = live.get(def.name);
    const entry: ViewStatusEntry = {
      name: def.name,
      kind: def.kind,
      state: viewState(def, rel, applied.get(def.name)),
      dependsOn: def.dependsOn,
    };
    if (def.kind === 'materialized') {
      const r = refresh.get(def.name);
      const populated = rel?.kind === 'materialized' && rel.populated;
      entry.rowCount = populated ? await countRows(pool, def.name) : null;
      entry.lastRefreshedAt = r?.lastRefreshedAt ?? null;
      entry.stalenessSeconds = r?.lastRefreshedAt
        ? (now.getTime() - r.lastRefreshedAt.getTime()) / 1000
        : null;
      entry.lastDurationMs = r?.lastDurationMs ?? null;
      entry.lastOutcome = r?.lastOutcome ?? null;
      entry.lastError = r?.lastError ?? null;
    }
    entries.push(entry);
  }
  const declared = new Set(names);
  return {
    ok: entries.every((e) => e.state === 'in_sync'),
    views: entries,
    undeclared: [...applied.keys()].filter((n) => !declared.has(n)).sort(),
    unmanaged: allViews.filter((n) => !declared.has(n) && !applied.has(n)),
  };
}

async function countRows(pool: Pool, name: string): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(
    `select count(*)::int8 as n from ${pg.escapeIdentifier(name)}`,
  );
  return rows[0]?.n ?? 0;
}
