/**
 * When the refresher refreshes a matview whose base tables changed (pure; times are epoch milliseconds).
 * A change waits for a quiet period so a burst of writes costs one refresh, but never longer than the
 * maximum staleness after the first unrefreshed change, so a steady stream of writes cannot starve it.
 */

export interface PendingChange {
  /** First change not yet reflected by a refresh. */
  firstAt: number;
  /** Latest change. */
  lastAt: number;
  /** After a failure: not before this time. */
  notBefore?: number;
  /** Failures in a row, for the retry backoff. */
  failures?: number;
}

/**
 * One reading of the database server's clock: `serverMs` read by a query sent at local time `sentMs` (or
 * later). Converts local times to an upper bound on the server's clock at that moment, whatever the two
 * clocks' offset: the server read its clock after `sentMs`.
 */
export interface ServerClockReading {
  sentMs: number;
  serverMs: number;
}

export interface ScheduleSettings {
  /** Quiet period after the last change; about 2 s. */
  quietMs: number;
  /** The longest a change may wait for its refresh; 60 s by default. */
  maxStalenessMs: number;
}

function dueAt(p: PendingChange, s: ScheduleSettings): number {
  return Math.max(
    p.notBefore ?? Number.NEGATIVE_INFINITY,
    Math.min(p.lastAt + s.quietMs, p.firstAt + s.maxStalenessMs),
  );
}

/** Names due now, and the earliest time another one falls due (undefined when nothing else is pending). */
export function duePlan(
  pending: ReadonlyMap<string, PendingChange>,
  now: number,
  s: ScheduleSettings,
): { due: string[]; nextAt: number | undefined } {
  const due: string[] = [];
  let nextAt: number | undefined;
  for (const [name, p] of pending) {
    const at = dueAt(p, s);
    if (at <= now) due.push(name);
    else nextAt = nextAt === undefined ? at : Math.min(nextAt, at);
  }
  return { due, nextAt };
}

/** Records a change at `now` for each name, keeping the first-change time of what is already pending. */
export function markChanged(pending: Map<string, PendingChange>, names: Iterable<string>, now: number): void {
  for (const name of names) {
    const p = pending.get(name);
    if (p) p.lastAt = Math.max(p.lastAt, now);
    else pending.set(name, { firstAt: now, lastAt: now });
  }
}

/** After the n-th failure in a row: quiet period × 2ⁿ⁻¹, capped at the maximum staleness. */
export function retryAfterFailure(p: PendingChange, now: number, s: ScheduleSettings): PendingChange {
  const failures = (p.failures ?? 0) + 1;
  return { ...p, failures, notBefore: now + Math.min(s.maxStalenessMs, s.quietMs * 2 ** (failures - 1)) };
}

/**
 * The lock was taken: usually another instance refreshing (it heard the same notifications), but it may be a
 * view apply or a refresh whose snapshot predates our change. Look again after a quiet period.
 */
export function retryAfterSkip(p: PendingChange, now: number, s: ScheduleSettings): PendingChange {
  return { ...p, notBefore: now + s.quietMs };
}

/**
 * Whether the matview's last refresh — by any instance; `lastRefreshedAt` is its snapshot time on the server's
 * clock — already saw every change pending here, so refreshing again would be wasted. Each change had
 * committed before its notification reached us (local `lastAt`), so on the server's clock it committed no
 * later than `lastAt + (serverMs - sentMs)`; a snapshot taken after that saw it. Conservative: an unknown
 * refresh time or a reading from long ago (a large `serverMs - sentMs` error) only means refreshing once more.
 */
export function coveredByLastRefresh(
  p: PendingChange,
  lastRefreshedAt: number | undefined,
  clock: ServerClockReading,
): boolean {
  return lastRefreshedAt !== undefined && lastRefreshedAt > p.lastAt + (clock.serverMs - clock.sentMs);
}
