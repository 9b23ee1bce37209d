import { DatabaseError } from 'pg';
import type { Queryable } from '../db/pool.js';
import { KgdbError } from '../errors.js';
import type { User } from './auth-types.js';
import { type NewUserInput, parseNewUser } from './new-user.js';
import { generatePassword, hashPassword, type ScryptParams } from './passwords.js';
import { createUserRepository } from './user-repository.js';

export interface CreatedUser {
  user: User;
  /** Set when the input had no password: show it once, it is stored only as a hash. */
  generatedPassword: string | undefined;
}

/** The library side of `kgdb users create`: validate, hash, insert; duplicates become CONFLICT. */
export async function createUser(
  db: Queryable,
  input: NewUserInput,
  scrypt?: ScryptParams,
): Promise<CreatedUser> {
  const valid = parseNewUser(input);
  const generatedPassword = valid.password === undefined ? generatePassword() : undefined;
  const hashed_password = await hashPassword(valid.password ?? generatedPassword ?? '', scrypt);
  try {
    const user = await createUserRepository(db).create({
      email: valid.email,
      username: valid.username,
      full_name: valid.full_name,
      role: valid.role,
      hashed_password,
    });
    return { user, generatedPassword };
  } catch (raw) {
    if (raw instanceof DatabaseError && raw.code === '23505') {
      const field = /email/.test(raw.constraint ?? '') ? 'email' : 'username';
      const value = field === 'email' ? valid.email : valid.username;
      throw new KgdbError('CONFLICT', {
        parameter: field,
        detail: `A user with ${field} '${value}' already exists (compared case-insensitively)`,
        cause: raw,
      });
    }
    throw raw;
  }
}
