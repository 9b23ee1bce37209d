import type { PoolClient } from '../db/pool.js';

/**
 * withTransaction for a client the caller already holds: the registry takes session advisory locks
 * (schema lock, forced refresh) that must outlive the COMMIT on the same connection, so it cannot let
 * withTransaction borrow a second one.
 */
export async function inTransaction<T>(client: PoolClient, fn: () => Promise<T>): Promise<T> {
  await client.query('begin');
  try {
    const result = await fn();
    await client.query('commit');
    return result;
  } catch (err) {
    await client.query('rollback').catch(() => {
      // The connection is already broken; the original error is the one worth reporting.
    });
    throw err;
  }
}
