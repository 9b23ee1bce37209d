import type { User } from './auth-types.js';
import {
  DEFAULT_SCRYPT,
  generatePassword,
  hashPassword,
  type ScryptParams,
  verifyPassword,
} from './passwords.js';
import type { UserRepository } from './user-repository.js';

export type LoginOutcome =
  | { kind: 'ok'; user: User }
  /** Unknown login or wrong password: deliberately not told apart. */
  | { kind: 'bad_credentials' }
  /** Right password, but the account is switched off. */
  | { kind: 'inactive' };

export interface PasswordLogin {
  check(login: string, password: string): Promise<LoginOutcome>;
}

/**
 * Checks a login name and password. An unknown login still runs one scrypt (against a throwaway hash
 * with the default parameters), so response time does not reveal which accounts exist.
 */
export function createPasswordLogin(
  users: UserRepository,
  scrypt: ScryptParams = DEFAULT_SCRYPT,
): PasswordLogin {
  let dummyHash: Promise<string> | undefined;
  return {
    async check(login, password) {
      const found = await users.findCredentials(login);
      if (!found) {
        dummyHash ??= hashPassword(generatePassword(), scrypt);
        await verifyPassword(password, await dummyHash);
        return { kind: 'bad_credentials' };
      }
      if (!(await verifyPassword(password, found.hashed_password))) return { kind: 'bad_credentials' };
      if (!found.user.is_active) return { kind: 'inactive' };
      await users.recordLogin(found.user.id);
      return { kind: 'ok', user: { ...found.user, last_login: new Date() } };
    },
  };
}
