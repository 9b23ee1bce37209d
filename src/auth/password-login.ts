import type { User } from './auth-types.js';
import {
  accountKey,
  LOGIN_LOCKOUT,
  type LockoutPolicy,
  type LoginLockoutRepository,
} from './login-lockout-repository.js';
import {
  DEFAULT_SCRYPT,
  generatePassword,
  hashPassword,
  type ScryptParams,
  verifyPassword,
} from './passwords.js';
import type { UserRepository } from './user-repository.js';

type LoginOutcome =
  | { kind: 'ok'; user: User }
  /** Unknown login or wrong password: deliberately not told apart. */
  | { kind: 'bad_credentials' }
  /** Right password, but the account is switched off. */
  | { kind: 'inactive' }
  /** Too many failures for this login: refused without looking at the password. */
  | { kind: 'locked'; retryAfterSeconds: number };

export interface PasswordLogin {
  check(login: string, password: string): Promise<LoginOutcome>;
}

export interface PasswordLoginOptions {
  /** Failed logins per account, shared by all instances; lockouts off when absent. */
  lockouts?: LoginLockoutRepository;
  lockout?: LockoutPolicy;
  /** The clock lockout windows are measured with (tests move it). */
  now?: () => Date;
  scrypt?: ScryptParams;
}

/**
 * Checks a login name and password. An unknown login still runs one scrypt (against a throwaway hash
 * with the default parameters), so response time does not reveal which accounts exist; it also counts
 * and locks like a real account (accountKey), so neither does a lockout.
 */
export function createPasswordLogin(
  users: UserRepository,
  options: PasswordLoginOptions = {},
): PasswordLogin {
  const { lockouts, lockout = LOGIN_LOCKOUT, now = () => new Date(), scrypt = DEFAULT_SCRYPT } = options;
  let dummyHash: Promise<string> | undefined;
  return {
    async check(login, password) {
      const found = await users.findCredentials(login);
      const account = accountKey(found?.user, login);
      const at = now();
      const retryAfterSeconds = (await lockouts?.lockedFor(account, at)) ?? 0;
      if (retryAfterSeconds > 0) return { kind: 'locked', retryAfterSeconds };
      let matches = false;
      if (found) {
        matches = await verifyPassword(password, found.hashed_password);
      } else {
        dummyHash ??= hashPassword(generatePassword(), scrypt);
        await verifyPassword(password, await dummyHash);
      }
      if (!found || !matches) {
        await lockouts?.recordFailure(account, at, lockout);
        return { kind: 'bad_credentials' };
      }
      await lockouts?.clear(account, at);
      if (!found.user.is_active) return { kind: 'inactive' };
      await users.recordLogin(found.user.id);
      return { kind: 'ok', user: { ...found.user, last_login: new Date() } };
    },
  };
}
