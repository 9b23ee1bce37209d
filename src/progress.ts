/** How long-running library work (import, seed, refresh, bench) reports progress without knowing who watches. */
export interface Progress {
  /** A new phase begins with `total` units of work. */
  start(label: string, total: number): void;
  /** `n` more units of the current phase are done. */
  advance(n: number): void;
  /** The current phase is over. */
  done(): void;
}

export const silentProgress: Progress = { start() {}, advance() {}, done() {} };
