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
  /** Server time (epoch ms) our last attempt found the refresh lock taken; cleared by a newer change. */
  skippedAt?: number;
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
    if (p) {
      p.lastAt = Math.max(p.lastAt, now);
      // A refresh that started after our skip may still predate this change.
      p.skippedAt = undefined;
    } else pending.set(name, { firstAt: now, lastAt: now });
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
export function retryAfterSkip(
  p: PendingChange,
  now: number,
  s: ScheduleSettings,
  skippedAt: number,
): PendingChange {
  return { ...p, notBefore: now + s.quietMs, skippedAt };
}

/**
 * A refresh whose snapshot began after our skip (server clock both) saw every change we had heard of then:
 * nothing left to do. Anything else refreshes again.
 */
export function coveredElsewhere(p: PendingChange, lastRefreshedAt: number | undefined): boolean {
  return p.skippedAt !== undefined && lastRefreshedAt !== undefined && lastRefreshedAt > p.skippedAt;
}
