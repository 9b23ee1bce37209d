import { EventEmitter } from 'node:events';
import { Counter, Gauge, Registry } from 'prom-client';
import { describe, expect, it, onTestFinished } from 'vitest';
import {
  type ClusterMetricsTimeouts,
  joinClusterMetrics,
  type PrimaryChannel,
  pendingRequests,
  serveClusterMetrics,
} from '../../src/cluster/cluster-metrics.js';
import { KgdbError } from '../../src/errors.js';
import { metricValue } from './instances.js';

/**
 * The metrics exchange of `kgdb serve --workers N` (src/cluster/cluster-metrics.ts) in one process: node:cluster's
 * IPC stands in as emitters that deliver a JSON copy of each message on a later turn, as IPC does. The real
 * processes: serve-workers.db.test.ts.
 */

/** Long enough never to fire on a busy machine where an answer is expected. */
const PATIENT: ClusterMetricsTimeouts = { collectMs: 30_000, aggregateMs: 60_000 };
/** For the cases where nothing answers and the timeout is the outcome. */
const SHORT: ClusterMetricsTimeouts = { collectMs: 50, aggregateMs: 1000 };

const overIpc = (to: EventEmitter, ...args: unknown[]) => {
  const copy = JSON.parse(JSON.stringify(args.at(-1)));
  setImmediate(() => to.emit('message', ...args.slice(0, -1), copy));
  return true;
};

/** A primary serving cluster metrics with `timeouts`, and the workers it forks, over emitters. */
function fakeCluster(timeouts: ClusterMetricsTimeouts) {
  const hub = new EventEmitter();
  const primary = serveClusterMetrics(timeouts, hub);
  onTestFinished(() => primary.stop());
  let forked = 0;
  return {
    /**
     * A worker with `registry`: `join` false is one still starting (not listening to the primary yet); `mute`
     * one whose metrics never arrive. `received`: the types of the messages the primary sent it.
     */
    fork(registry: Registry, { join = true, mute = false } = {}) {
      const id = ++forked;
      const channel = new EventEmitter() as EventEmitter & PrimaryChannel;
      const received: string[] = [];
      let connected = true;
      const peer = Object.assign(new EventEmitter(), {
        id,
        process: { pid: 1000 + id },
        isConnected: () => connected,
        send: (message: object, done: (error: Error | null) => void) => {
          done(null);
          received.push((message as { type: string }).type);
          return overIpc(channel, message);
        },
      });
      channel.send = (message, done) => {
        done(null);
        const lost = mute && (message as { type: string }).type === 'kgdb:metrics:collected';
        return lost || overIpc(hub, peer, message);
      };
      const member = join ? joinClusterMetrics(registry, PATIENT, channel) : undefined;
      return {
        id,
        received,
        scrape: async () => {
          if (!member) throw new Error(`worker ${id} did not join`);
          return member.scrape();
        },
        exit() {
          connected = false;
          peer.emit('disconnect');
        },
      };
    },
  };
}

/** A registry as a worker has it: `served` requests counted, an event-loop-like gauge taking the max. */
function workerRegistry(served: number, delaySeconds: number, poolMax: number): Registry {
  const registry = new Registry();
  new Counter({
    name: 'kgdb_served_total',
    help: 'served',
    labelNames: ['route'],
    registers: [registry],
  }).inc({ route: '/health' }, served);
  new Gauge({ name: 'kgdb_delay_seconds', help: 'delay', aggregator: 'max', registers: [registry] }).set(
    delaySeconds,
  );
  new Gauge({ name: 'kgdb_pool_max', help: 'pool', registers: [registry] }).set(poolMax);
  return registry;
}

/** An unlabelled series of a Prometheus page. */
const unlabelled = (page: string, name: string) =>
  Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(page)?.[1] ?? Number.NaN);
const served = (page: string) => metricValue(page, 'kgdb_served_total', { route: '/health' });

describe('pendingRequests', () => {
  it('matches answers to requests by id, in any order, and forgets each once settled', async () => {
    const requests = pendingRequests<string>(PATIENT.collectMs);
    const sent: number[] = [];
    const first = requests.ask(
      (id) => sent.push(id),
      () => new Error('timeout'),
    );
    const second = requests.ask(
      (id) => sent.push(id),
      () => new Error('timeout'),
    );
    expect(sent).toHaveLength(2);
    expect(new Set(sent).size).toBe(2);
    expect(requests.waiting()).toBe(2);
    requests.answer(sent[1] as number, { value: 'two' });
    requests.answer(sent[0] as number, { error: 'it broke' });
    await expect(second).resolves.toBe('two');
    await expect(first).rejects.toThrow('it broke');
    expect(requests.waiting()).toBe(0);
    // A second answer to a settled request, or one to an id never sent, changes nothing.
    requests.answer(sent[1] as number, { value: 'again' });
    requests.answer(99, { value: 'stray' });
    expect(requests.waiting()).toBe(0);
  });

  it('rejects with the timeout error when no answer comes, and ignores the late answer', async () => {
    const requests = pendingRequests<string>(SHORT.collectMs);
    let id = -1;
    const asked = requests.ask(
      (sent) => {
        id = sent;
      },
      () => new Error('no answer in time'),
    );
    await expect(asked).rejects.toThrow('no answer in time');
    expect(requests.waiting()).toBe(0);
    requests.answer(id, { value: 'late' });
  });

  it('settleAll answers every waiting request at once', async () => {
    const requests = pendingRequests<number[]>(PATIENT.collectMs);
    const asked = [1, 2].map(() =>
      requests.ask(
        () => {},
        () => new Error('timeout'),
      ),
    );
    requests.settleAll({ value: [] });
    expect(await Promise.all(asked)).toEqual([[], []]);
  });
});

describe('cluster metrics', () => {
  it("any worker's scrape is the aggregate of all: counters summed, gauges by their aggregator", async () => {
    const { fork } = fakeCluster(PATIENT);
    const a = fork(workerRegistry(2, 0.5, 3));
    const b = fork(workerRegistry(3, 0.25, 3));
    const pages = await Promise.all([a.scrape(), b.scrape(), a.scrape()]);
    for (const page of pages) {
      expect(served(page)).toBe(5);
      expect(unlabelled(page, 'kgdb_delay_seconds')).toBe(0.5);
      expect(unlabelled(page, 'kgdb_pool_max')).toBe(6);
    }
    expect(pages[0]).toMatch(/^# TYPE kgdb_served_total counter$/m);
  });

  it('a worker still starting is not waited for; one that exits while asked counts as nothing', async () => {
    const { fork } = fakeCluster(PATIENT);
    const a = fork(workerRegistry(2, 0, 1));
    fork(workerRegistry(7, 0, 1), { join: false });
    expect(served(await a.scrape())).toBe(2);

    const dying = fork(workerRegistry(11, 0, 1), { mute: true });
    const scrape = a.scrape();
    // It exits once the primary has asked it, while the primary waits for its answer.
    while (!dying.received.includes('kgdb:metrics:collect'))
      await new Promise((resolve) => setImmediate(resolve));
    dying.exit();
    expect(served(await scrape)).toBe(2);
  });

  it('a live worker that does not answer fails the scrape with a 503 naming it', async () => {
    const { fork } = fakeCluster(SHORT);
    const a = fork(workerRegistry(1, 0, 1));
    const silent = fork(workerRegistry(1, 0, 1), { mute: true });
    const failure = await a.scrape().catch((raw: unknown) => raw);
    expect(failure).toBeInstanceOf(KgdbError);
    expect(failure).toMatchObject({ code: 'UNAVAILABLE', status: 503 });
    expect((failure as Error).message).toBe(
      `GET /metrics under kgdb serve --workers answers the metrics of all workers, which the primary process collects, but worker ${silent.id} (pid ${1000 + silent.id}) did not send its metrics within 0.05 s; try again`,
    );
  });

  it("a worker whose registry fails to collect fails the scrape with a 503 naming it and the registry's error", async () => {
    const { fork } = fakeCluster(PATIENT);
    const a = fork(workerRegistry(1, 0, 1));
    const broken = workerRegistry(1, 0, 1);
    new Gauge({
      name: 'kgdb_broken',
      help: 'throws when collected',
      registers: [broken],
      collect() {
        throw new Error('source gone');
      },
    });
    const b = fork(broken);
    await expect(a.scrape()).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      message: expect.stringContaining(
        `but worker ${b.id} (pid ${1000 + b.id}) could not read its metrics: source gone; try again`,
      ),
    });
  });

  it('a primary that does not answer fails the scrape with a 503 after the timeout', async () => {
    const channel = new EventEmitter() as EventEmitter & PrimaryChannel;
    channel.send = (_message, done) => {
      done(null);
      return true;
    };
    const member = joinClusterMetrics(workerRegistry(1, 0, 1), SHORT, channel);
    await expect(member.scrape()).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      message: expect.stringContaining('but the primary did not answer within 1 s; try again'),
    });
    // A worker stopping answers the scrapes still waiting at once.
    const waiting = joinClusterMetrics(workerRegistry(1, 0, 1), PATIENT, channel);
    const scrape = waiting.scrape();
    waiting.stop();
    await expect(scrape).rejects.toThrow('but this worker is stopping; try again');
    member.stop();
  });
});
