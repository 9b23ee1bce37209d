import { EventEmitter } from 'node:events';
import pg from 'pg';
import { toError } from '../errors.js';

/**
 * The one LISTEN helper: a dedicated client (LISTEN is per session, so never a pooled one) that reconnects
 * with backoff and jitter forever until closed. Notifications sent while it is down are lost, which is why
 * onConnected runs on every reconnect: callers treat it as "anything may have changed".
 */
export interface ListenerOptions {
  /** Connection settings for the dedicated client; a pool's `options` work as they are. */
  connection: pg.ClientConfig;
  channels: readonly string[];
  /** Runs for every notification on one of the channels, in arrival order. */
  onNotification: (channel: string, payload: string) => void;
  /** Runs once LISTEN is in place: on the first connect and again after every reconnect. */
  onConnected?: (info: { reconnect: boolean }) => void | Promise<void>;
  /** First retry delay and its cap; defaults 100 ms and 30 s. */
  backoff?: { initialMs?: number; maxMs?: number };
  applicationName?: string;
  /** Injected for tests; Math.random otherwise. */
  random?: () => number;
}

interface ListenerEvents {
  connected: [{ reconnect: boolean }];
  disconnected: [{ error: Error | undefined }];
  reconnecting: [{ attempt: number; delayMs: number }];
  /** Connect, LISTEN or onConnected failures. Emitted only when someone listens (an unheard 'error' would throw). */
  error: [Error];
}

export interface Listener {
  /** Resolves once connected and listening the first time (or when closed before that). */
  start(): Promise<void>;
  /** Stops reconnecting, UNLISTENs and ends the client; waits for a connect attempt in progress. */
  close(): Promise<void>;
  readonly connected: boolean;
  readonly events: EventEmitter<ListenerEvents>;
}

/**
 * Delay before retry number `attempt` (0-based): 100 ms × 2ⁿ capped at 30 s, times a jitter of 50–100 % so
 * instances that lost the server together do not come back in lockstep. Without jitter: 100, 200, 400, 800,
 * 1600, 3200, 6400, 12800, 25600, 30000, 30000 … ms.
 */
export function backoffDelay(attempt: number, initialMs: number, maxMs: number, random: number): number {
  const base = Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 30));
  return Math.round(base * (0.5 + 0.5 * random));
}

export function createListener(options: ListenerOptions): Listener {
  const events = new EventEmitter<ListenerEvents>();
  const initialMs = options.backoff?.initialMs ?? 100;
  const maxMs = options.backoff?.maxMs ?? 30_000;
  const random = options.random ?? Math.random;
  let current: pg.Client | undefined;
  let closing = false;
  let everConnected = false;
  let running: Promise<void> | undefined;
  let wake: (() => void) | undefined;

  const report = (raw: unknown) => {
    if (events.listenerCount('error') > 0) events.emit('error', toError(raw));
  };

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  const endQuietly = (client: pg.Client) =>
    client.end().catch(() => {
      // Ending a client whose socket already died rejects; there is nothing left to release.
    });

  const lost = (client: pg.Client, error?: Error) => {
    if (client !== current) return; // a stale client, or one close() is ending on purpose
    current = undefined;
    events.emit('disconnected', { error });
    void endQuietly(client);
    if (!closing) running = connectLoop();
  };

  const connectOnce = async (): Promise<pg.Client> => {
    const client = new pg.Client({
      ...options.connection,
      application_name: options.applicationName ?? 'kgdb-listener',
      keepAlive: true,
    });
    client.on('error', (err) => lost(client, err));
    client.on('end', () => lost(client));
    client.on('notification', (msg) => {
      if (client === current) options.onNotification(msg.channel, msg.payload ?? '');
    });
    try {
      await client.connect();
      for (const channel of options.channels) await client.query(`listen ${pg.escapeIdentifier(channel)}`);
      return client;
    } catch (err) {
      await endQuietly(client);
      throw err;
    }
  };

  async function connectLoop(): Promise<void> {
    for (let attempt = 0; !closing; attempt++) {
      try {
        const client = await connectOnce();
        if (closing) {
          await endQuietly(client);
          return;
        }
        current = client;
        const reconnect = everConnected;
        everConnected = true;
        events.emit('connected', { reconnect });
        await Promise.resolve(options.onConnected?.({ reconnect })).catch(report);
        return;
      } catch (err) {
        report(err);
        const delayMs = backoffDelay(attempt, initialMs, maxMs, random());
        events.emit('reconnecting', { attempt: attempt + 1, delayMs });
        await sleep(delayMs);
      }
    }
  }

  return {
    events,
    get connected() {
      return current !== undefined;
    },
    async start() {
      if (!running) running = connectLoop();
      await running;
    },
    async close() {
      closing = true;
      wake?.();
      await running;
      const client = current;
      current = undefined;
      if (!client) return;
      await client.query('unlisten *').catch(() => {
        // The connection is gone; the server forgot our LISTENs with it.
      });
      await endQuietly(client);
    },
  };
}
