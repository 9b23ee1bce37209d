import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { runner } from 'node-pg-migrate';
import { MIGRATIONS_DIR, MIGRATIONS_TABLE } from '../db/migrate.js';
import type { PoolClient } from '../db/pool.js';
import type { Logger } from '../logger.js';
import type { MigrationStep } from './schema-version.js';

/** This build's migrations in order, named as node-pg-migrate names them (the file name without .sql). */
export async function knownMigrations(): Promise<string[]> {
  const files = await readdir(MIGRATIONS_DIR);
  return files
    .filter((f) => f.endsWith('.sql'))
    .map((f) => path.basename(f, '.sql'))
    .sort();
}

const SAVEPOINT = 'kgdb_restore_migrations';
const NESTED: Record<string, string> = {
  BEGIN: `savepoint ${SAVEPOINT}`,
  COMMIT: `release savepoint ${SAVEPOINT}`,
  ROLLBACK: `rollback to savepoint ${SAVEPOINT}`,
};

/** node-pg-migrate's transaction statements as savepoint statements; any other SQL unchanged. Pure. */
export function nestedStatement(sql: string): string {
  return NESTED[sql.trim().replace(/;$/, '').toUpperCase()] ?? sql;
}

/**
 * Runs `step` of this build's migrations on a client inside the caller's transaction. node-pg-migrate brackets
 * its work in BEGIN / COMMIT on the client it is given, which would commit the caller's transaction halfway;
 * it is handed a view of the client on which those become a savepoint, so all of it stays in the caller's one
 * transaction (a migration that cannot run inside a transaction fails, and the caller rolls back).
 */
export async function migrateInTransaction(
  client: PoolClient,
  step: MigrationStep,
  logger: Logger,
): Promise<string[]> {
  const query = client.query.bind(client) as (...args: unknown[]) => unknown;
  const nested = new Proxy(client, {
    get(target, property, receiver) {
      if (property !== 'query') return Reflect.get(target, property, receiver);
      return (text: unknown, ...rest: unknown[]) =>
        query(typeof text === 'string' ? nestedStatement(text) : text, ...rest);
    },
  });
  const applied = await runner({
    dbClient: nested,
    dir: MIGRATIONS_DIR,
    direction: step.direction,
    count: step.count,
    migrationsTable: MIGRATIONS_TABLE,
    noLock: true,
    checkOrder: true,
    singleTransaction: true,
    log: (msg) => logger.debug({ migrate: msg }, 'migrate'),
  });
  return applied.map((m) => m.name);
}
