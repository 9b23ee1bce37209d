import type { Queryable } from '../db/pool.js';

/** When failed password logins lock an account. */
export interface LockoutPolicy {
  /** The failure that reaches this count within the window locks the account. */
  maxFailures: number;
  /** How long failures count, and how long a lock lasts from the failure that set it, ms. */
  windowMs: number;
}

/** 10 failures within 15 minutes lock the account for 15 minutes (or until `kgdb users unlock`). */
export const LOGIN_LOCKOUT: LockoutPolicy = { maxFailures: 10, windowMs: 15 * 60_000 };

/**
 * Failed logins per account, kept in PostgreSQL (login_failures) so all instances agree. An account key is
 * `accountKey(…)`: the user's id, or the lowercased login name when no account has it.
 */
export interface LoginLockoutRepository {
  /** Before the password is checked: seconds until `account` may try again, 0 when it is not locked. */
  lockedFor(account: string, now: Date): Promise<number>;
  /** After a wrong password: counts it; the failure that reaches `maxFailures` in the window locks. */
  recordFailure(account: string, now: Date, policy: LockoutPolicy): Promise<void>;
  /** After a right password, or an admin's unlock: forgets failures and lock; says whether it was locked. */
  clear(account: string, now: Date): Promise<{ wasLocked: boolean }>;
}

/** 'user:<id>' for an account, 'login:<name>' for a name nobody has (locked alike: nothing to enumerate). */
export function accountKey(found: { id: number } | undefined, login: string): string {
  return found ? `user:${found.id}` : `login:${login.toLowerCase()}`;
}

// $3 is the window as an interval. A failure after the window restarts the count at 1. Rows of other
// accounts whose window and lock have passed go in the same statement (the CTE never touches $1's row).
const RECORD_FAILURE = `
  with pruned as (
    delete from login_failures p
     where p.account <> $1::text
       and p.window_started_at <= $2::timestamptz - $3::interval
       and (p.locked_until is null or p.locked_until <= $2::timestamptz)
  )
  insert into login_failures as f (account, failures, window_started_at, locked_until)
  values ($1::text, 1, $2::timestamptz,
          case when $4::int <= 1 then $2::timestamptz + $3::interval end)
  on conflict (account) do update set
    failures = case when f.window_started_at <= $2::timestamptz - $3::interval then 1 else f.failures + 1 end,
    window_started_at = case when f.window_started_at <= $2::timestamptz - $3::interval
                             then $2::timestamptz else f.window_started_at end,
    locked_until = case
      when (case when f.window_started_at <= $2::timestamptz - $3::interval then 1 else f.failures + 1 end) >= $4::int
        then $2::timestamptz + $3::interval
      when f.window_started_at <= $2::timestamptz - $3::interval then null
      else f.locked_until end`;

export function createLoginLockoutRepository(db: Queryable): LoginLockoutRepository {
  return {
    async lockedFor(account, now) {
      const { rows } = await db.query<{ seconds: number }>(
        `select ceil(extract(epoch from f.locked_until - $2::timestamptz))::int as seconds
           from login_failures f
          where f.account = $1::text and f.locked_until > $2::timestamptz`,
        [account, now],
      );
      return rows[0]?.seconds ?? 0;
    },

    async recordFailure(account, now, policy) {
      await db.query(RECORD_FAILURE, [account, now, `${policy.windowMs} milliseconds`, policy.maxFailures]);
    },

    async clear(account, now) {
      const { rows } = await db.query<{ was_locked: boolean }>(
        `delete from login_failures f where f.account = $1::text
         returning coalesce(f.locked_until > $2::timestamptz, false) as was_locked`,
        [account, now],
      );
      return { wasLocked: rows[0]?.was_locked ?? false };
    },
  };
}
