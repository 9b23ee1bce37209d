import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runner } from 'node-pg-migrate';
import type { Logger } from '../logger.js';
import { lockSession, unlockSession } from './advisory.js';
import { type Pool, withClient } from './pool.js';

export const MIGRATIONS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');
/** node-pg-migrate's record of the applied migrations. */
export const MIGRATIONS_TABLE = 'kgdb_migrations';

/** Taken by everything that changes the schema (migrations, view apply) so two starting servers take turns. */
export const SCHEMA_LOCK = 'kgdb:schema';

/**
 * Applies pending table migrations. node-pg-migrate's own lock fails fast when another process holds it;
 * kgdb waits on its schema lock instead, so the second of two servers started together simply finds
 * nothing left to do.
 */
export async function migrate(pool: Pool, logger: Logger): Promise<string[]> {
  return withClient(pool, async (client) => {
    await lockSession(client, SCHEMA_LOCK);
    try {
      const applied = await runner({
        dbClient: client,
        dir: MIGRATIONS_DIR,
        direction: 'up',
        migrationsTable: MIGRATIONS_TABLE,
        noLock: true,
        checkOrder: true,
        log: (msg) => logger.debug({ migrate: msg }, 'migrate'),
      });
      const names = applied.map((m) => m.name);
      if (names.length > 0) logger.info({ migrations: names }, 'applied table migrations');
      return names;
    } finally {
      await unlockSession(client, SCHEMA_LOCK);
    }
  });
}
