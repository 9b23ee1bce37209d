import { Redis, type Result } from 'ioredis';
import { toError } from '../errors.js';
import type { Logger } from '../logger.js';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    kgdbLookup(versionKey: string, prefix: string, key: string): Result<[string, string | null], Context>;
    kgdbStore(
      versionKey: string,
      version: string,
      dataKey: string,
      json: string,
      ttlMs: number,
      indexKey: string,
      key: string,
    ): Result<number, Context>;
  }
}

/**
 * Redis layout, per namespace `ns` (scheme "namespace version"):
 * - `kgdb:ns:version`        INCR counter; clearing the namespace for every instance is one INCR.
 * - `kgdb:ns:<v>:<key>`      the JSON value, PX = the namespace TTL.
 * - `kgdb:ns:keys:<v>`       set of the keys written under version v (admin key listing), same TTL.
 * Entries under an old version are never read again and expire by TTL. A load that read version v before
 * the INCR and finishes after it writes under v — dead — so a slow instance cannot put stale data back.
 */
const LOOKUP = `local v = redis.call('GET', KEYS[1]) or '0'
return {v, redis.call('GET', ARGV[1] .. v .. ':' .. ARGV[2])}`;

/** Stores only while the namespace is still at the version the load started under (saves dead writes). */
const STORE = `if (redis.call('GET', KEYS[1]) or '0') ~= ARGV[1] then return 0 end
redis.call('SET', ARGV[2], ARGV[3], 'PX', ARGV[4])
redis.call('SADD', ARGV[5], ARGV[6])
redis.call('PEXPIRE', ARGV[5], ARGV[4])
return 1`;

const SHARED_OPERATIONS = ['connection', 'lookup', 'store', 'bump', 'admin'] as const;
type SharedOperation = (typeof SHARED_OPERATIONS)[number];

export interface SharedLayerOptions {
  url: string;
  namespaces: readonly string[];
  /** Default 500 ms: a Redis that does not answer must not hold requests up. */
  connectTimeoutMs?: number;
  /** Default 250 ms; a timed-out lookup falls through to PostgreSQL, a timed-out bump desynchronises. */
  commandTimeoutMs?: number;
  logger?: Logger;
}

interface SharedStats {
  status: string;
  /** Usable: connected, and every namespace was bumped since the connection or a bump last failed. */
  synced: boolean;
  errors: Record<SharedOperation, number>;
}

export interface SharedLayer {
  readonly usable: boolean;
  /** The namespace's current version and the value under it; undefined when unusable or on error. */
  lookup(namespace: string, key: string): Promise<{ version: string; json: string | null } | undefined>;
  /** The namespace's current version; undefined when unusable or on error. */
  version(namespace: string): Promise<string | undefined>;
  /** Writes under `version` if that is still current; errors are counted, never thrown. */
  store(namespace: string, version: string, key: string, json: string, ttlMs: number): Promise<void>;
  /** Starts an INCR of the namespace version (clears it for every instance); see settled(). */
  bump(namespace: string): void;
  /** Resolves when the bumps started so far for the namespace have finished (ok or failed). */
  settled(namespace: string): Promise<void>;
  /** Keys under the current version (live ones); undefined when unusable. */
  keys(namespace: string): Promise<string[] | undefined>;
  deleteKey(namespace: string, key: string): Promise<boolean>;
  stats(): SharedStats;
  close(): Promise<void>;
}

const versionKey = (ns: string) => `kgdb:${ns}:version`;
const dataPrefix = (ns: string) => `kgdb:${ns}:`;
const dataKey = (ns: string, version: string, key: string) => `kgdb:${ns}:${version}:${key}`;
const indexKey = (ns: string, version: string) => `kgdb:${ns}:keys:${version}`;

/** Most keys the admin listing reads from one namespace's set. */
const MAX_LISTED_KEYS = 10_000;

/**
 * The shared layer. Fails soft: no offline queue (a command while disconnected fails at once), short
 * timeouts, every error counted and swallowed. After a connection loss or a failed bump it is unusable until
 * it has bumped every namespace again: while it could not bump, other instances may have written entries
 * that a change made stale, and only a new version makes sure nobody reads them.
 */
export function createSharedLayer(options: SharedLayerOptions): SharedLayer {
  const errors = Object.fromEntries(SHARED_OPERATIONS.map((op) => [op, 0])) as Record<
    SharedOperation,
    number
  >;
  const client = new Redis(options.url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: options.connectTimeoutMs ?? 500,
    commandTimeout: options.commandTimeoutMs ?? 250,
    // 50 ms × 2ⁿ capped at 2 s: a restarted Redis is back in use within about 2 s.
    retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 6), 2_000),
  });
  client.defineCommand('kgdbLookup', { numberOfKeys: 1, lua: LOOKUP });
  client.defineCommand('kgdbStore', { numberOfKeys: 1, lua: STORE });

  let synced = false;
  /** Bumped whenever sync is lost; a resync only counts if nothing was lost while it ran. */
  let losses = 0;
  let resyncing = false;
  let retryTimer: NodeJS.Timeout | undefined;
  let closed = false;
  const pending = new Map<string, Promise<void>>();

  const lose = () => {
    synced = false;
    losses += 1;
  };
  /**
   * Counts the error. A failed command also takes the layer out of use until a resync (bump of every
   * namespace) succeeds: a Redis that times out would otherwise cost every miss the full command timeout.
   */
  const fail = (op: SharedOperation, raw: unknown) => {
    errors[op] += 1;
    options.logger?.debug({ err: toError(raw), op }, 'cache: redis error');
    if (op !== 'connection') {
      lose();
      scheduleResync();
    }
  };

  const scheduleResync = () => {
    if (closed || retryTimer) return;
    retryTimer = setTimeout(() => {
      retryTimer = undefined;
      void resync();
    }, 1_000);
    retryTimer.unref();
  };

  async function resync(): Promise<void> {
    if (closed || resyncing || client.status !== 'ready') return;
    resyncing = true;
    const mark = losses;
    try {
      const pipeline = client.pipeline();
      for (const ns of options.namespaces) pipeline.incr(versionKey(ns));
      const results = (await pipeline.exec()) ?? [];
      const failed = results.find(([err]) => err);
      if (failed || results.length !== options.namespaces.length) throw failed?.[0] ?? new Error('no reply');
      if (mark === losses && client.status === 'ready') synced = true;
      else scheduleResync();
    } catch (raw) {
      fail('bump', raw);
      scheduleResync();
    } finally {
      resyncing = false;
    }
  }

  client.on('error', (err) => fail('connection', err));
  client.on('close', lose);
  client.on('ready', () => {
    options.logger?.info('cache: redis connected');
    void resync();
  });
  client.connect().catch((err) => fail('connection', err));

  return {
    get usable() {
      return synced && client.status === 'ready';
    },
    async lookup(namespace, key) {
      if (!synced || client.status !== 'ready') return undefined;
      try {
        const [version, json] = await client.kgdbLookup(versionKey(namespace), dataPrefix(namespace), key);
        return { version, json };
      } catch (raw) {
        fail('lookup', raw);
        return undefined;
      }
    },
    async version(namespace) {
      if (!synced || client.status !== 'ready') return undefined;
      try {
        return (await client.get(versionKey(namespace))) ?? '0';
      } catch (raw) {
        fail('lookup', raw);
        return undefined;
      }
    },
    async store(namespace, version, key, json, ttlMs) {
      if (!synced || client.status !== 'ready') return;
      try {
        await client.kgdbStore(
          versionKey(namespace),
          version,
          dataKey(namespace, version, key),
          json,
          Math.max(1, Math.round(ttlMs)),
          indexKey(namespace, version),
          key,
        );
      } catch (raw) {
        fail('store', raw);
      }
    },
    bump(namespace) {
      if (client.status !== 'ready') {
        // Nothing to bump now; the resync on 'ready' bumps every namespace.
        lose();
        return;
      }
      const incr = client.incr(versionKey(namespace)).then(
        () => undefined,
        (raw) => fail('bump', raw),
      );
      const before = pending.get(namespace);
      const all = before ? Promise.all([before, incr]).then(() => undefined) : incr;
      pending.set(namespace, all);
      void all.finally(() => {
        if (pending.get(namespace) === all) pending.delete(namespace);
      });
    },
    settled: (namespace) => pending.get(namespace) ?? Promise.resolve(),
    async keys(namespace) {
      if (!synced || client.status !== 'ready') return undefined;
      try {
        const version = (await client.get(versionKey(namespace))) ?? '0';
        const members = (await client.srandmember(indexKey(namespace, version), MAX_LISTED_KEYS)) ?? [];
        if (members.length === 0) return [];
        const exists = await client
          .pipeline(members.map((k) => ['exists', dataKey(namespace, version, k)]))
          .exec();
        return members.filter((_, i) => exists?.[i]?.[1] === 1).sort();
      } catch (raw) {
        fail('admin', raw);
        return undefined;
      }
    },
    async deleteKey(namespace, key) {
      if (!synced || client.status !== 'ready') return false;
      try {
        const version = (await client.get(versionKey(namespace))) ?? '0';
        const [deleted] = await Promise.all([
          client.del(dataKey(namespace, version, key)),
          client.srem(indexKey(namespace, version), key),
        ]);
        return deleted > 0;
      } catch (raw) {
        fail('admin', raw);
        return false;
      }
    },
    stats: () => ({
      status: client.status,
      synced: synced && client.status === 'ready',
      errors: { ...errors },
    }),
    async close() {
      closed = true;
      if (retryTimer) clearTimeout(retryTimer);
      if (client.status === 'ready') await client.quit().catch(() => client.disconnect());
      else client.disconnect();
    },
  };
}
