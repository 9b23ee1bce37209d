import type { Queryable } from './pool.js';

/**
 * Advisory lock keys come from namespaced names ('kgdb:refresh:gene_scores') hashed by the server,
 * so every instance derives the same key without a shared registry of numbers.
 */
export async function tryXactLock(db: Queryable, name: string): Promise<boolean> {
  const { rows } = await db.query<{ locked: boolean }>(
    'select pg_try_advisory_xact_lock(hashtext($1)) as locked',
    [name],
  );
  return rows[0]?.locked === true;
}

/** Transaction-level lock that waits (up to the transaction's lock_timeout); released at commit or rollback. */
export async function xactLock(db: Queryable, name: string): Promise<void> {
  await db.query('select pg_advisory_xact_lock(hashtext($1))', [name]);
}

/** Session-level lock that waits; release with unlockSession on the same client. */
export async function lockSession(db: Queryable, name: string): Promise<void> {
  await db.query('select pg_advisory_lock(hashtext($1))', [name]);
}

export async function unlockSession(db: Queryable, name: string): Promise<void> {
  await db.query('select pg_advisory_unlock(hashtext($1))', [name]);
}
