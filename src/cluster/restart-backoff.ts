/** When a crashed worker is started again. */
export interface RestartPolicy {
  /** Delay before the first restart of a streak; it doubles with every further crash in a row … */
  initialMs: number;
  /** … up to this. */
  maxMs: number;
  /** A worker that ran at least this long before exiting was healthy: the streak starts over. */
  stableMs: number;
}

export const DEFAULT_RESTART_POLICY: Readonly<RestartPolicy> = Object.freeze({
  initialMs: 500,
  maxMs: 30_000,
  stableMs: 60_000,
});

/**
 * The delay before restarting a worker that exited after running `livedMs`, and the crash streak after this
 * exit (`streak`: the crashes in a row before it). A worker crashing at start over and over waits 0.5, 1, 2, …
 * 30 s between attempts instead of spinning; one that crashes after a healthy hour restarts after 0.5 s. Pure.
 */
export function nextRestart(
  streak: number,
  livedMs: number,
  policy: RestartPolicy = DEFAULT_RESTART_POLICY,
): { delayMs: number; streak: number } {
  const next = livedMs >= policy.stableMs ? 1 : streak + 1;
  return { delayMs: Math.min(policy.maxMs, policy.initialMs * 2 ** (next - 1)), streak: next };
}
