import { createListener, type Listener } from '../db/listener.js';
import { withClient } from '../db/pool.js';
import { KgdbError, toError } from '../errors.js';
import { type Progress, silentProgress } from '../progress.js';
import { type RefreshResult, refreshMatview } from './refresh-matview.js';
import {
  coveredByLastRefresh,
  duePlan,
  markChanged,
  type PendingChange,
  retryAfterFailure,
  retryAfterSkip,
  type ScheduleSettings,
} from './refresh-schedule.js';
import { readRefreshState, readServerClock } from './refresh-state.js';
import {
  type Refresher,
  type RefresherOptions,
  TABLE_CHANGED_CHANNEL,
  type ViewRefreshStats,
} from './refresher-types.js';
import { buildRegistry } from './registry.js';

export function createRefresher(options: RefresherOptions): Refresher {
  const registry = buildRegistry(options.views);
  const matviews = registry.ordered.filter((v) => v.kind === 'materialized');
  const settings: ScheduleSettings = {
    quietMs: options.quietMs ?? 2_000,
    maxStalenessMs: options.maxStalenessMs ?? 60_000,
  };
  const readersOf = new Map<string, string[]>();
  for (const mv of matviews) {
    for (const t of registry.baseTablesOf(mv.name)) readersOf.set(t, [...(readersOf.get(t) ?? []), mv.name]);
  }
  const stats = new Map<string, ViewRefreshStats>(
    matviews.map((mv) => [
      mv.name,
      {
        name: mv.name,
        stalenessSeconds: 0,
        ageSeconds: null,
        lastRefreshedAt: null,
        lastDurationMs: null,
        lastOutcome: null,
        refreshed: 0,
        skipped: 0,
        failed: 0,
      },
    ]),
  );
  const pending = new Map<string, PendingChange>();
  /** Changes a running refresh is working off; merged back if it does not succeed. */
  const inFlight = new Map<string, PendingChange>();
  let listener: Listener | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  // One refresh at a time per process: the advisory lock would make a second one here merely skip.
  let chain: Promise<unknown> = Promise.resolve();
  let cycleQueued = false;

  const serialize = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = chain.then(fn, fn);
    chain = next.catch(() => {});
    return next;
  };

  const record = (results: readonly RefreshResult[]) => {
    const now = new Date();
    for (const r of results) {
      const s = stats.get(r.name);
      if (!s) continue;
      s[r.outcome] += 1;
      s.lastOutcome = r.outcome;
      if (r.outcome === 'refreshed') {
        // The server's snapshot time, as persisted: ages agree across instances and restarts.
        s.lastRefreshedAt = r.startedAt ?? now;
        s.lastDurationMs = r.durationMs;
      }
    }
    const refreshed = results.filter((r) => r.outcome === 'refreshed').map((r) => r.name);
    if (refreshed.length > 0) options.onRefreshed?.(refreshed);
  };

  const runInOrder = async (names: ReadonlySet<string>, force: boolean, progress: Progress) => {
    const todo = matviews.filter((mv) => names.has(mv.name));
    progress.start('refresh views', todo.length);
    const results: RefreshResult[] = [];
    try {
      for (const mv of todo) {
        const result = await refreshMatview(options.pool, mv, { force });
        results.push(result);
        if (result.outcome === 'failed')
          options.logger?.warn({ view: mv.name, error: result.error }, 'refresh failed');
        progress.advance(1);
      }
    } finally {
      progress.done();
    }
    record(results);
    return results;
  };

  /** The due matviews, plus pending matviews they read: refreshing a reader before its source is wasted. */
  const cycle = async () => {
    cycleQueued = false;
    if (stopped) return;
    const { due } = duePlan(pending, Date.now(), settings);
    const names = new Set(due);
    for (const name of due) for (const a of registry.ancestorsOf(name)) if (pending.has(a)) names.add(a);
    for (const name of names) {
      inFlight.set(name, pending.get(name) as PendingChange);
      pending.delete(name);
    }
    try {
      await dropCovered(names);
      settle(await runInOrder(names, false, silentProgress));
    } catch (raw) {
      options.logger?.error({ err: toError(raw) }, 'refresh cycle failed');
      for (const [name, p] of inFlight) requeue(name, retryAfterFailure(p, Date.now(), settings));
    } finally {
      inFlight.clear();
    }
  };

  /**
   * Views whose last refresh, by whichever instance, began after their pending changes had committed: every
   * instance hears each change, and the one that got the lock has refreshed already (coveredByLastRefresh).
   */
  const dropCovered = async (names: Set<string>) => {
    if (names.size === 0) return;
    const { clock, persisted } = await withClient(options.pool, async (client) => ({
      clock: await readServerClock(client),
      persisted: await readRefreshState(client),
    }));
    for (const name of [...names]) {
      const p = inFlight.get(name);
      const at = persisted.get(name)?.lastRefreshedAt;
      if (!p || !at || !coveredByLastRefresh(p, at.getTime(), clock)) continue;
      names.delete(name);
      inFlight.delete(name);
      const s = stats.get(name);
      if (s) s.lastRefreshedAt = at;
    }
  };

  /** Failed: retry with backoff. Skipped: look again after a quiet period. Refreshed: done. */
  const settle = (results: readonly RefreshResult[]) => {
    for (const r of results) {
      const p = inFlight.get(r.name);
      if (!p) continue;
      if (r.outcome === 'failed') requeue(r.name, retryAfterFailure(p, Date.now(), settings));
      if (r.outcome === 'skipped') requeue(r.name, retryAfterSkip(p, Date.now(), settings));
    }
  };

  /** Puts an unfinished entry back, merged with changes that arrived meanwhile. */
  const requeue = (name: string, retry: PendingChange) => {
    const newer = pending.get(name);
    pending.set(
      name,
      newer ? { ...retry, firstAt: Math.min(retry.firstAt, newer.firstAt), lastAt: newer.lastAt } : retry,
    );
  };

  const schedule = () => {
    if (stopped) return;
    if (timer) clearTimeout(timer);
    timer = undefined;
    const { due, nextAt } = duePlan(pending, Date.now(), settings);
    if (due.length > 0 && !cycleQueued) {
      cycleQueued = true;
      void serialize(cycle).then(schedule);
    } else if (nextAt !== undefined) {
      timer = setTimeout(schedule, Math.max(0, nextAt - Date.now()));
    }
  };

  const tablesChanged = (tables: readonly string[]) => {
    const names = new Set(tables.flatMap((t) => readersOf.get(t) ?? []));
    if (names.size === 0) return;
    markChanged(pending, names, Date.now());
    schedule();
  };

  return {
    async start() {
      stopped = false;
      const persisted = await readRefreshState(options.pool);
      for (const [name, s] of stats) {
        const row = persisted.get(name);
        if (!row) continue;
        s.lastRefreshedAt = row.lastRefreshedAt;
        s.lastDurationMs = row.lastDurationMs;
        s.lastOutcome = row.lastOutcome;
      }
      if (options.listen === false || matviews.length === 0) return;
      listener = createListener({
        connection: options.connection ?? options.pool.options,
        channels: [TABLE_CHANGED_CHANNEL],
        applicationName: 'kgdb-refresher',
        backoff: options.backoff,
        onNotification: (_channel, table) => tablesChanged([table]),
        // Notifications sent while we were not listening are lost (including before the first connect).
        onConnected: () => tablesChanged(registry.baseTables),
      });
      listener.events.on('error', (err) => options.logger?.warn({ err }, 'refresher listener error'));
      listener.events.on('disconnected', () => options.logger?.warn('refresher listener disconnected'));
      await listener.start();
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      await listener?.close();
      listener = undefined;
      await chain;
    },
    refresh(names, refreshOptions = {}) {
      const allowed = matviews.map((mv) => mv.name);
      const unknown = (names ?? []).filter((n) => !allowed.includes(n));
      if (unknown.length > 0) {
        const detail = `Unknown materialized view ${unknown.join(', ')}. Allowed: ${allowed.join(', ') || '(none declared)'}`;
        return Promise.reject(new KgdbError('INVALID_PARAMETER', { parameter: 'name', detail }));
      }
      const targets = new Set(names ?? allowed);
      for (const n of [...targets])
        for (const d of registry.dependentsOf(n)) if (stats.has(d)) targets.add(d);
      return serialize(() =>
        runInOrder(targets, refreshOptions.force === true, refreshOptions.progress ?? silentProgress),
      );
    },
    tablesChanged,
    stats() {
      const now = Date.now();
      return [...stats.values()].map((s) => {
        const firstAt = Math.min(pending.get(s.name)?.firstAt ?? now, inFlight.get(s.name)?.firstAt ?? now);
        return {
          ...s,
          stalenessSeconds: (now - firstAt) / 1000,
          ageSeconds: s.lastRefreshedAt ? (now - s.lastRefreshedAt.getTime()) / 1000 : null,
        };
      });
    },
  };
}
