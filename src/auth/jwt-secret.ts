import { randomBytes } from 'node:crypto';
import type { Queryable } from '../db/pool.js';

const JWT_SECRET_NAME = 'jwt_secret';

/**
 * The JWT signing secret: JWT_SECRET when configured, else the one stored in kgdb_secrets. The first
 * instance to start inserts a random 384-bit secret; `on conflict do nothing` plus the read-back means
 * instances starting together all end up with the row that won, so a token from one verifies on all.
 */
export async function resolveJwtSecret(db: Queryable, configured: string | undefined): Promise<string> {
  if (configured !== undefined) return configured;
  await db.query(
    `insert into kgdb_secrets (name, value) values ($1::text, $2::text) on conflict (name) do nothing`,
    [JWT_SECRET_NAME, randomBytes(48).toString('base64url')],
  );
  const { rows } = await db.query<{ value: string }>(
    'select s.value::text as value from kgdb_secrets s where s.name = $1::text',
    [JWT_SECRET_NAME],
  );
  const secret = rows[0]?.value;
  if (!secret) throw new Error(`kgdb_secrets has no '${JWT_SECRET_NAME}' row after inserting it`);
  return secret;
}
