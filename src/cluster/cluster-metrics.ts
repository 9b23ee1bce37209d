import cluster from 'node:cluster';
import { AggregatorRegistry, type Registry } from 'prom-client';
import { KgdbError, toError } from '../errors.js';

/**
 * GET /metrics under `kgdb serve --workers N` (docs/api.md, "Metrics"): the worker a scrape lands on asks the
 * primary, which collects every worker's registry as JSON and merges them with prom-client's
 * `AggregatorRegistry.aggregate`, each metric by its own `aggregator` (sum unless the metric says otherwise).
 *
 * Not prom-client's `clusterMetrics()`: it asks every connected worker, one still starting (it cannot answer
 * yet) or dying included, and then fails the whole scrape after a fixed 5 s, so every worker restart would
 * cost scrapes. Here the primary asks only the workers that said they are ready, and one that goes away while
 * asked counts as having nothing (its counts are gone with it anyway).
 */

type MetricsJson = Awaited<ReturnType<Registry['getMetricsAsJSON']>>;

export interface ClusterMetricsTimeouts {
  /** How long the primary waits for each worker's registry. */
  collectMs: number;
  /** How long the worker answering GET /metrics waits for the primary; above collectMs, so its reason arrives. */
  aggregateMs: number;
}

/** Within Prometheus's default scrape timeout (10 s). */
const CLUSTER_METRICS_TIMEOUTS: Readonly<ClusterMetricsTimeouts> = Object.freeze({
  collectMs: 4000,
  aggregateMs: 5000,
});

const READY = 'kgdb:metrics:ready';
const COLLECT = 'kgdb:metrics:collect';
const COLLECTED = 'kgdb:metrics:collected';
const AGGREGATE = 'kgdb:metrics:aggregate';
const AGGREGATED = 'kgdb:metrics:aggregated';

type Answer<T> = { value: T } | { error: string };

interface Message {
  type: string;
  id?: number;
  value?: unknown;
  error?: string;
}

function isMessage(raw: unknown, type: string): raw is Message {
  return typeof raw === 'object' && raw !== null && (raw as Message).type === type;
}

/** A message's answer as sent over IPC: its value, else its error (unknown when neither is there). */
function answerOf<T>(message: Message): Answer<T> {
  if (message.error !== undefined) return { error: message.error };
  return 'value' in message ? { value: message.value as T } : { error: 'an answer without a value' };
}

export interface PendingRequests<T> {
  /**
   * Sends a request with a fresh id (`send(id)`) and resolves with the value answered for that id; rejects with
   * the error answered, or with `timeoutError()` when nothing was answered within the timeout.
   */
  ask(send: (id: number) => void, timeoutError: () => Error): Promise<T>;
  /** Settles the request `id`; an answer to no waiting request (it timed out) is ignored. */
  answer(id: number, answer: Answer<T>): void;
  /** Settles every waiting request with `answer` (the other side went away). */
  settleAll(answer: Answer<T>): void;
  /** Requests waiting for their answer. */
  waiting(): number;
}

/** Requests over a message channel matched to their answers by id, each with a timeout. Pure but for timers. */
export function pendingRequests<T>(timeoutMs: number): PendingRequests<T> {
  let nextId = 0;
  const waiting = new Map<number, (answer: Answer<T>) => void>();
  return {
    ask(send, timeoutError) {
      const id = nextId++;
      return new Promise<T>((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting.delete(id);
          reject(timeoutError());
        }, timeoutMs);
        waiting.set(id, (answer) => {
          clearTimeout(timer);
          waiting.delete(id);
          if ('error' in answer) reject(new Error(answer.error));
          else resolve(answer.value);
        });
        send(id);
      });
    },
    answer(id, answer) {
      waiting.get(id)?.(answer);
    },
    settleAll(answer) {
      for (const settle of [...waiting.values()]) settle(answer);
    },
    waiting: () => waiting.size,
  };
}

/** A worker as the primary sees it (node:cluster's Worker fits). */
interface WorkerPeer {
  id: number;
  process: { pid?: number | undefined };
  isConnected(): boolean;
  send(message: object, callback: (error: Error | null) => void): boolean;
  once(event: 'disconnect', listener: () => void): unknown;
}

/** Where the primary hears its workers (node:cluster in the primary fits). */
export interface WorkerHub {
  on(event: 'message', listener: (worker: WorkerPeer, message: unknown) => void): unknown;
  off(event: 'message', listener: (worker: WorkerPeer, message: unknown) => void): unknown;
}

/** A worker's channel to its primary (`process` in a cluster worker fits). */
export interface PrimaryChannel {
  send?: ((message: object, callback: (error: Error | null) => void) => boolean) | undefined;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  off(event: 'message', listener: (message: unknown) => void): unknown;
}

/** Sends unless the channel is closed; a send that fails reaches `failed` (never an unhandled 'error' event). */
function sendTo(
  to: { send?: ((message: object, callback: (error: Error | null) => void) => boolean) | undefined },
  message: object,
  failed: (error: Error) => void = () => {},
) {
  if (!to.send) {
    failed(new Error('no IPC channel'));
    return;
  }
  to.send(message, (error) => {
    if (error) failed(error);
  });
}

/**
 * In the primary of `kgdb serve --workers N`: answers a worker's request for the cluster's metrics with the
 * aggregate of every ready worker's registry, or with why it could not. `stop` stops listening.
 */
export function serveClusterMetrics(
  timeouts: ClusterMetricsTimeouts = CLUSTER_METRICS_TIMEOUTS,
  hub: WorkerHub = cluster,
): { stop(): void } {
  const ready = new Map<WorkerPeer, PendingRequests<MetricsJson>>();
  const gone = (worker: WorkerPeer) => {
    ready.get(worker)?.settleAll({ value: [] });
    ready.delete(worker);
  };
  const name = (worker: WorkerPeer) => `worker ${worker.id} (pid ${worker.process.pid})`;
  const collect = (worker: WorkerPeer, requests: PendingRequests<MetricsJson>) =>
    requests.ask(
      // A request that cannot be sent went to a worker that is gone: like one that exits while asked.
      (id) => sendTo(worker, { type: COLLECT, id }, () => requests.answer(id, { value: [] })),
      () => new Error(`${name(worker)} did not send its metrics within ${timeouts.collectMs / 1000} s`),
    );
  const aggregate = async () => {
    const all = await Promise.all([...ready].map(([worker, requests]) => collect(worker, requests)));
    return AggregatorRegistry.aggregate(all).metrics();
  };
  const onMessage = (worker: WorkerPeer, message: unknown) => {
    if (isMessage(message, READY)) {
      if (ready.has(worker) || !worker.isConnected()) return;
      ready.set(worker, pendingRequests(timeouts.collectMs));
      worker.once('disconnect', () => gone(worker));
    } else if (isMessage(message, COLLECTED) && message.id !== undefined) {
      const answer = answerOf<MetricsJson>(message);
      ready
        .get(worker)
        ?.answer(
          message.id,
          'error' in answer
            ? { error: `${name(worker)} could not read its metrics: ${answer.error}` }
            : answer,
        );
    } else if (isMessage(message, AGGREGATE)) {
      void aggregate().then(
        (value) => sendTo(worker, { type: AGGREGATED, id: message.id, value }),
        (raw) => sendTo(worker, { type: AGGREGATED, id: message.id, error: toError(raw).message }),
      );
    }
  };
  hub.on('message', onMessage);
  return {
    stop() {
      hub.off('message', onMessage);
      for (const worker of [...ready.keys()]) gone(worker);
    },
  };
}

/**
 * In a worker of `kgdb serve --workers N`: answers the primary's requests for `registry`, says it is ready,
 * and `scrape()` asks the primary for the whole cluster's metrics (Prometheus text); it rejects with a 503
 * (UNAVAILABLE) naming the reason when they cannot be had. `stop` stops listening.
 */
export function joinClusterMetrics(
  registry: Registry,
  timeouts: ClusterMetricsTimeouts = CLUSTER_METRICS_TIMEOUTS,
  primary: PrimaryChannel = process,
): { scrape(): Promise<string>; stop(): void } {
  const aggregates = pendingRequests<string>(timeouts.aggregateMs);
  const onMessage = (message: unknown) => {
    if (isMessage(message, COLLECT)) {
      void registry.getMetricsAsJSON().then(
        (value) => sendTo(primary, { type: COLLECTED, id: message.id, value }),
        (raw) => sendTo(primary, { type: COLLECTED, id: message.id, error: toError(raw).message }),
      );
    } else if (isMessage(message, AGGREGATED) && message.id !== undefined) {
      aggregates.answer(message.id, answerOf(message));
    }
  };
  primary.on('message', onMessage);
  sendTo(primary, { type: READY });
  const unavailable = (reason: string) =>
    new KgdbError('UNAVAILABLE', {
      detail: `GET /metrics under kgdb serve --workers answers the metrics of all workers, which the primary process collects, but ${reason}; try again`,
    });
  return {
    scrape: () =>
      aggregates
        .ask(
          (id) =>
            sendTo(primary, { type: AGGREGATE, id }, (error) =>
              aggregates.answer(id, { error: `the request could not be sent to it (${error.message})` }),
            ),
          () => new Error(`the primary did not answer within ${timeouts.aggregateMs / 1000} s`),
        )
        .catch((raw: unknown) => {
          throw unavailable(toError(raw).message);
        }),
    stop() {
      primary.off('message', onMessage);
      aggregates.settleAll({ error: 'this worker is stopping' });
    },
  };
}
