import { KgdbError } from '../errors.js';

/** The most processes `kgdb serve --workers` starts: far above any core count it pays off on, below silly. */
export const MAX_WORKERS = 64;

/**
 * Connections each serving process holds besides its pool: the flag snapshot's, the cache's and the matview
 * refresher's LISTEN clients and the guard's leadership client.
 */
export const DEDICATED_CONNECTIONS = 4;

/** Where a worker count was read from, named in the error a bad one gets. */
export type WorkerCountSource = '--workers' | 'KGDB_WORKERS';

/**
 * A worker count as given: a whole number 1..MAX_WORKERS, or `auto` for one per CPU this process may use
 * (`available`, os.availableParallelism()), capped the same way. Pure.
 */
export function parseWorkerCount(raw: string, source: WorkerCountSource, available: number): number {
  const text = raw.trim();
  if (text === 'auto') return Math.min(Math.max(1, available), MAX_WORKERS);
  if (/^\d+$/.test(text) && Number(text) >= 1 && Number(text) <= MAX_WORKERS) return Number(text);
  throw new KgdbError('INVALID_PARAMETER', {
    parameter: source,
    detail: `${source} must be a whole number from 1 to ${MAX_WORKERS}, or auto (one per CPU: ${available} here), got '${raw}'`,
  });
}

/**
 * `--workers` wins over KGDB_WORKERS, but a bad variable is refused even then (it would bite the next start
 * without the flag); neither (or an empty variable): 1, one process and no cluster. Pure.
 */
export function resolveWorkerCount(input: {
  flag: string | undefined;
  env: string | undefined;
  available: number;
}): number {
  const fromEnv =
    input.env === undefined || input.env === ''
      ? 1
      : parseWorkerCount(input.env, 'KGDB_WORKERS', input.available);
  return input.flag === undefined ? fromEnv : parseWorkerCount(input.flag, '--workers', input.available);
}

/**
 * Connections `workers` processes with pools of `poolSize` may open together (each pool full, plus each
 * process's dedicated clients). Pure.
 */
export function connectionsNeeded(workers: number, poolSize: number): number {
  return workers * (poolSize + DEDICATED_CONNECTIONS);
}
