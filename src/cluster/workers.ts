import cluster, { type Worker } from 'node:cluster';
import type { Logger } from '../logger.js';
import { DEFAULT_RESTART_POLICY, nextRestart, type RestartPolicy } from './restart-backoff.js';

export interface WorkersOptions {
  count: number;
  /** Added to every worker's environment: the database the primary prepared (DATABASE_URL). */
  env: Record<string, string>;
  /** How long a worker may take to stop on SIGTERM (its drain and close) before it is killed. */
  stopTimeoutMs: number;
  logger: Logger;
  policy?: RestartPolicy;
}

export interface Workers {
  /** SIGTERM to every worker (each drains its requests and closes its pool); resolves once all have exited. */
  stop(): Promise<void>;
}

/** One of the `count` places a worker runs in; a crashed worker's replacement takes its place. */
interface Slot {
  index: number;
  startedAt: number;
  /** Crashes in a row (restart-backoff.ts). */
  streak: number;
  restart: NodeJS.Timeout | undefined;
}

const describeExit = (code: number | null, signal: string | null) =>
  signal ? `killed by ${signal}` : `exit code ${code}`;

/**
 * Forks `count` workers of this process (node:cluster: each runs this same `kgdb serve` command as a worker,
 * and they share the port) and resolves once every one listens. A worker that exits before that fails the
 * start: the others are stopped and the promise rejects. Afterwards a worker that exits unasked is logged and
 * started again, after a delay that grows while it keeps crashing (restart-backoff.ts).
 */
export function startWorkers(options: WorkersOptions): Promise<Workers> {
  const { logger } = options;
  const policy = options.policy ?? DEFAULT_RESTART_POLICY;
  const slots: Slot[] = Array.from({ length: options.count }, (_, i) => ({
    index: i + 1,
    startedAt: 0,
    streak: 0,
    restart: undefined,
  }));
  const exits = new Map<Worker, Promise<void>>();
  let starting = true;
  let stopping = false;

  const stop = async () => {
    stopping = true;
    for (const slot of slots) clearTimeout(slot.restart);
    for (const worker of exits.keys()) worker.process.kill('SIGTERM');
    const kill = setTimeout(() => {
      for (const worker of exits.keys()) {
        logger.warn({ pid: worker.process.pid }, 'worker still running at the stop timeout: killing it');
        worker.process.kill('SIGKILL');
      }
    }, options.stopTimeoutMs);
    try {
      await Promise.all(exits.values());
    } finally {
      clearTimeout(kill);
    }
  };
  const handle: Workers = { stop };

  return new Promise((resolve, reject) => {
    let listening = 0;

    const onExit = (slot: Slot, worker: Worker, code: number | null, signal: string | null) => {
      if (stopping) return;
      const pid = worker.process.pid;
      if (starting) {
        starting = false;
        const reason = `worker ${worker.id} (pid ${pid}) exited before it listened (${describeExit(code, signal)}); its log above says why`;
        void stop().then(() => reject(new Error(reason)), reject);
        return;
      }
      const livedMs = Date.now() - slot.startedAt;
      const next = nextRestart(slot.streak, livedMs, policy);
      slot.streak = next.streak;
      logger.error(
        { slot: slot.index, worker: worker.id, pid, code, signal, livedMs, restartInMs: next.delayMs },
        `worker exited unexpectedly (${describeExit(code, signal)}): restarting it`,
      );
      slot.restart = setTimeout(() => {
        slot.restart = undefined;
        if (!stopping) fork(slot);
      }, next.delayMs);
    };

    const fork = (slot: Slot) => {
      const worker = cluster.fork(options.env);
      slot.startedAt = Date.now();
      // A signal that cannot be delivered (the worker is gone already) is reported here, not thrown.
      worker.on('error', (err) => logger.warn({ err, slot: slot.index, worker: worker.id }, 'worker error'));
      exits.set(
        worker,
        new Promise((done) => {
          worker.once('exit', (code, signal) => {
            exits.delete(worker);
            onExit(slot, worker, code, signal);
            done();
          });
        }),
      );
      worker.once('listening', () => {
        if (!starting) {
          logger.info(
            { slot: slot.index, worker: worker.id, pid: worker.process.pid },
            'restarted worker listening',
          );
          return;
        }
        listening += 1;
        if (listening === options.count) {
          starting = false;
          resolve(handle);
        }
      });
    };

    for (const slot of slots) fork(slot);
  });
}
