import { type Pool, type PoolClient, type Queryable, withTransaction } from '../../db/pool.js';
import { KgdbError } from '../../errors.js';
import {
  actionFor,
  advancePatch,
  checkReason,
  checkSteps,
  disablePatch,
  nextFlagState,
} from './flag-rules.js';
import {
  DEFAULT_STEPS,
  type Flag,
  type FlagAudit,
  type FlagChange,
  type FlagEvent,
  type FlagPatch,
  type Strategy,
} from './flag-types.js';

/** Reads and changes flags in PostgreSQL. Every change is one transaction; its trigger writes the event and notifies. */
export interface FlagStore {
  /** All flags, by key. */
  list(): Promise<Flag[]>;
  get(key: string): Promise<Flag | undefined>;
  /** Like get, but an unknown key is a NOT_FOUND KgdbError that lists the known keys. */
  getOrThrow(key: string): Promise<Flag>;
  /** Validates the patch against the locked current row (KgdbError naming the field) and applies it. */
  update(key: string, patch: FlagPatch, audit: FlagAudit): Promise<FlagChange>;
  /** One step up the schedule (409 at the last step, or for on/off flags). */
  advance(key: string, audit: FlagAudit): Promise<FlagChange>;
  enable(key: string, audit: FlagAudit): Promise<FlagChange>;
  /** The emergency stop: enabled false and back to 0 %; action 'emergency_disable' unless the audit names one. */
  disable(key: string, audit: FlagAudit): Promise<FlagChange>;
  create(flag: NewFlag, audit: FlagAudit): Promise<FlagChange>;
  /** Newest first; `beforeId` pages back. */
  events(key: string, page?: { limit?: number; beforeId?: number }): Promise<FlagEvent[]>;
  /** Runs after every committed change made through this store (the local snapshot applies it at once). */
  subscribe(fn: (flag: Flag) => void): () => void;
}

interface NewFlag extends FlagPatch {
  key: string;
  strategy: Strategy;
  salt?: string;
}

const FLAG_COLUMNS = `f.key, f.description, f.enabled, f.strategy, f.percentage::float8 as percentage,
  f.steps::float8[] as steps, f.step, f.salt, f.auto_promote, f.bake_seconds, f.updated_at, f.updated_by, f.version`;

/** A flag's settable state as query values, in the column order the insert and the update both use ($2..$9). */
function stateValues(next: ReturnType<typeof nextFlagState>): unknown[] {
  return [
    next.enabled,
    next.strategy,
    next.percentage,
    next.steps,
    next.step,
    next.auto_promote,
    next.bake_seconds,
    next.description,
  ];
}

const EVENT_COLUMNS = 'e.id, e.flag_key, e.at, e.actor, e.action, e.old, e.new, e.reason, e.measured';

const FLAG_KEY_PATTERN = /^[a-z][a-z0-9_.-]{0,99}$/;

async function notFound(db: Queryable, key: string): Promise<KgdbError> {
  const { rows } = await db.query<{ key: string }>('select f.key from feature_flags f order by f.key');
  const known = rows.map((r) => r.key).join(', ') || '(none)';
  return new KgdbError('NOT_FOUND', {
    parameter: 'key',
    detail: `No feature flag '${key}'. Known flags: ${known}`,
  });
}

/** Hands the audit to the trigger for this transaction only (set_config …, true). */
async function setAudit(client: PoolClient, audit: FlagAudit, fallbackAction: string): Promise<void> {
  const reason = checkReason(audit.reason) ?? '';
  await client.query(
    `select set_config('kgdb.actor', $1, true), set_config('kgdb.action', $2, true),
            set_config('kgdb.reason', $3, true), set_config('kgdb.measured', $4, true),
            set_config('kgdb.last_event_id', '', true)`,
    [
      audit.actor,
      audit.action ?? fallbackAction,
      reason,
      audit.measured ? JSON.stringify(audit.measured) : '',
    ],
  );
}

async function eventOfThisTransaction(client: PoolClient): Promise<FlagEvent | null> {
  const { rows } = await client.query<FlagEvent>(
    `select ${EVENT_COLUMNS} from feature_flag_events e
      where e.id = nullif(current_setting('kgdb.last_event_id', true), '')::bigint`,
  );
  return rows[0] ?? null;
}

export function createFlagStore(pool: Pool): FlagStore {
  const subscribers = new Set<(flag: Flag) => void>();

  const published = (change: FlagChange): FlagChange => {
    if (!change.changed) return change;
    for (const fn of subscribers) {
      try {
        fn(change.flag);
      } catch {
        // The change is committed; a subscriber's failure must not report it as failed. Its NOTIFY still
        // reaches every snapshot, this one included.
      }
    }
    return change;
  };

  /** Lock the row, build the patch from what is really there now, validate, write. */
  const change = async (key: string, makePatch: (current: Flag) => FlagPatch, audit: FlagAudit) => {
    const result = await withTransaction(pool, async (client) => {
      const { rows } = await client.query<Flag>(
        `select ${FLAG_COLUMNS} from feature_flags f where f.key = $1 for update`,
        [key],
      );
      const current = rows[0];
      if (!current) throw await notFound(client, key);
      const patch = makePatch(current);
      const next = nextFlagState(current, patch);
      await setAudit(client, audit, actionFor(patch));
      const updated = await client.query<Flag>(
        `update feature_flags f
            set enabled = $2, strategy = $3, percentage = $4, steps = $5::numeric[], step = $6,
                auto_promote = $7, bake_seconds = $8, description = $9
          where f.key = $1
      returning ${FLAG_COLUMNS}`,
        [key, ...stateValues(next)],
      );
      const flag = updated.rows[0] as Flag;
      const event = await eventOfThisTransaction(client);
      return { flag, changed: event !== null, event };
    });
    return published(result);
  };

  return {
    async list() {
      const { rows } = await pool.query<Flag>(`select ${FLAG_COLUMNS} from feature_flags f order by f.key`);
      return rows;
    },
    async get(key) {
      const { rows } = await pool.query<Flag>(
        `select ${FLAG_COLUMNS} from feature_flags f where f.key = $1`,
        [key],
      );
      return rows[0];
    },
    async getOrThrow(key) {
      const { rows } = await pool.query<Flag>(
        `select ${FLAG_COLUMNS} from feature_flags f where f.key = $1`,
        [key],
      );
      if (!rows[0]) throw await notFound(pool, key);
      return rows[0];
    },
    update: (key, patch, audit) => change(key, () => patch, audit),
    advance: (key, audit) => change(key, (current) => advancePatch(current), { action: 'advance', ...audit }),
    enable: (key, audit) => change(key, () => ({ enabled: true }), { action: 'enable', ...audit }),
    disable: (key, audit) =>
      change(key, (current) => disablePatch(current), { action: 'emergency_disable', ...audit }),
    async create(input, audit) {
      if (!FLAG_KEY_PATTERN.test(input.key)) {
        throw new KgdbError('INVALID_PARAMETER', {
          parameter: 'key',
          detail: `key must match ${FLAG_KEY_PATTERN.source} (lower case, digits, _ . -), got '${input.key}'`,
        });
      }
      const steps = checkSteps(input.steps ?? [...DEFAULT_STEPS]);
      const base = {
        enabled: false,
        strategy: 'off' as Strategy,
        percentage: 0,
        steps,
        step: 0,
        auto_promote: false,
        bake_seconds: 600,
        description: '',
      };
      const next = nextFlagState(base, { ...input, steps });
      const result = await withTransaction(pool, async (client) => {
        await setAudit(client, audit, 'create');
        const { rows } = await client.query<Flag>(
          `insert into feature_flags as f (key, enabled, strategy, percentage, steps, step, auto_promote, bake_seconds, description, salt)
           values ($1, $2, $3, $4, $5::numeric[], $6, $7, $8, $9, $10)
           returning ${FLAG_COLUMNS}`,
          [input.key, ...stateValues(next), input.salt ?? ''],
        );
        return { flag: rows[0] as Flag, changed: true, event: await eventOfThisTransaction(client) };
      });
      return published(result);
    },
    async events(key, page = {}) {
      const limit = Math.min(Math.max(page.limit ?? 100, 1), 1000);
      const { rows } = await pool.query<FlagEvent>(
        `select ${EVENT_COLUMNS} from feature_flag_events e
          where e.flag_key = $1 and ($2::bigint is null or e.id < $2::bigint)
          order by e.id desc limit $3`,
        [key, page.beforeId ?? null, limit],
      );
      return rows;
    },
    subscribe(fn) {
      subscribers.add(fn);
      return () => subscribers.delete(fn);
    },
  };
}
