import type { Queryable } from '../db/pool.js';
import { KgdbError } from '../errors.js';
import type { User } from './auth-types.js';
import { accountKey, createLoginLockoutRepository } from './login-lockout-repository.js';
import { createUserRepository } from './user-repository.js';

export interface UnlockedUser {
  user: User;
  /** False when the account was not locked (its failure count, if any, is reset all the same). */
  wasLocked: boolean;
}

/** `--email` must be an address: usernames are not accepted here. */
export function checkUnlockEmail(email: string): void {
  if (!email.includes('@')) {
    throw new KgdbError('INVALID_INPUT', {
      parameter: 'email',
      detail: `email: expected an address, got '${email}'`,
    });
  }
}

/** The library side of `kgdb users unlock`: forgets the account's failed logins and its lock at once. */
export async function unlockUser(
  db: Queryable,
  email: string,
  now: Date = new Date(),
): Promise<UnlockedUser> {
  checkUnlockEmail(email);
  const found = await createUserRepository(db).findCredentials(email);
  if (!found)
    throw new KgdbError('NOT_FOUND', { parameter: 'email', detail: `No user with email '${email}'` });
  const { wasLocked } = await createLoginLockoutRepository(db).clear(accountKey(found.user, email), now);
  return { user: found.user, wasLocked };
}
