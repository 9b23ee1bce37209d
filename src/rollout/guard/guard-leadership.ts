import pg from 'pg';
import type { Pool } from '../../db/pool.js';
import type { Logger } from '../../logger.js';

/** Session advisory lock held by the one instance that evaluates and acts. */
const GUARD_LOCK = 'kgdb:rollout:guard';

export interface GuardLeadershipDeps {
  pool: Pool;
  instanceId: string;
  /** Settings of the leader's own connection; default the pool's. */
  connection?: pg.ClientConfig;
  /** Runs whenever leadership is given up (a lost connection, a failed cycle). */
  onLost?: () => void;
  logger?: Logger;
}

/**
 * Who leads the guard: the holder of the session advisory lock GUARD_LOCK, taken on a connection of its own.
 * When the leader dies its session ends, the lock is free, and the next instance to try takes over. Everything
 * the leader reads goes through that connection, so a leader whose connection is gone (and whose lock may
 * already be someone else's) cannot act on stale leadership.
 */
export interface GuardLeadership {
  readonly isLeader: boolean;
  /** The leader's connection; undefined while not connected. */
  readonly client: pg.Client | undefined;
  /** Connects if needed and takes the lock if it is free; true when this instance leads. */
  tryLead(): Promise<boolean>;
  /** Gives leadership up: drops the connection (the server releases the session lock with it). */
  drop(): void;
  /** Releases the lock if held and closes the connection (shutdown). */
  release(): Promise<void>;
}

export function createGuardLeadership(deps: GuardLeadershipDeps): GuardLeadership {
  let client: pg.Client | undefined;
  let leader = false;

  const drop = () => {
    const old = client;
    client = undefined;
    leader = false;
    deps.onLost?.();
    // Ending a broken connection can fail too; the server releases the session lock either way.
    old?.end().catch(() => {});
  };

  const connect = async (): Promise<pg.Client> => {
    const c = new pg.Client({ ...(deps.connection ?? deps.pool.options), application_name: 'kgdb-guard' });
    c.on('error', (err) => {
      deps.logger?.warn({ err }, 'rollout guard: connection lost; leadership given up');
      if (client === c) drop();
    });
    await c.connect();
    client = c;
    return c;
  };

  return {
    get isLeader() {
      return leader;
    },
    get client() {
      return client;
    },
    async tryLead() {
      const c = client ?? (await connect());
      const { rows } = await c.query<{ locked: boolean }>(
        'select pg_try_advisory_lock(hashtext($1)) as locked',
        [GUARD_LOCK],
      );
      leader = rows[0]?.locked === true;
      if (leader) deps.logger?.info({ instance: deps.instanceId }, 'rollout guard: this instance leads');
      return leader;
    },
    drop,
    async release() {
      const c = client;
      if (c && leader) await c.query('select pg_advisory_unlock(hashtext($1))', [GUARD_LOCK]).catch(() => {});
      client = undefined;
      leader = false;
      await c?.end().catch(() => {});
    },
  };
}
