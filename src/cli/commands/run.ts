import { type Config, ConfigError, loadConfig } from '../../config.js';
import type { Database } from '../../db/database.js';
import { KgdbError, toError } from '../../errors.js';
import type { Logger } from '../../logger.js';

export interface CommandContext {
  config: Config;
  logger: Logger;
}

/** Loads config and a stderr logger; prints `CODE: message` (stack only at LOG_LEVEL=debug) and sets exit code 1. */
export async function runCommand(fn: (ctx: CommandContext) => Promise<void>): Promise<void> {
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (raw) {
    const err = toError(raw);
    process.stderr.write(`${err instanceof ConfigError ? err.message : `CONFIG: ${err.message}`}\n`);
    process.exitCode = 1;
    return;
  }
  // Loaded here, not at the top: `kgdb --help` must not pay for pino, pg or the migrations (each command file
  // imports its heavy modules inside its action for the same reason).
  const { createLogger } = await import('../../logger.js');
  const logger = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel, 2);
  try {
    await fn({ config, logger });
  } catch (raw) {
    const err = toError(raw);
    const code = err instanceof KgdbError ? err.code : 'ERROR';
    process.stderr.write(`${code}: ${err.message}\n`);
    if (config.logLevel === 'debug' || config.logLevel === 'trace') process.stderr.write(`${err.stack}\n`);
    process.exitCode = 1;
  } finally {
    logger.flush();
  }
}

/** Opens the database (embedded or DATABASE_URL) as it is, runs fn, always closes. */
export async function withDatabase(ctx: CommandContext, fn: (db: Database) => Promise<void>): Promise<void> {
  const { openDatabase } = await import('../../db/database.js');
  const db = await openDatabase(ctx.config, ctx.logger);
  try {
    await fn(db);
  } finally {
    await db.close();
  }
}

/** withDatabase, with the schema brought up to date before fn. */
export async function withMigratedDatabase(
  ctx: CommandContext,
  fn: (db: Database) => Promise<void>,
): Promise<void> {
  const { migrate } = await import('../../db/migrate.js');
  await withDatabase(ctx, async (db) => {
    await migrate(db.pool, ctx.logger);
    await fn(db);
  });
}

/** runCommand around withMigratedDatabase, for commands with nothing to check before the database opens. */
export async function runWithDatabase(
  fn: (db: Database, ctx: CommandContext) => Promise<void>,
): Promise<void> {
  await runCommand((ctx) => withMigratedDatabase(ctx, (db) => fn(db, ctx)));
}
