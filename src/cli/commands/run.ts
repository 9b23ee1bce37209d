import { type Config, ConfigError, loadConfig } from '../../config.js';
import { type Database, openDatabase } from '../../db/database.js';
import { migrate } from '../../db/migrate.js';
import { KgdbError, toError } from '../../errors.js';
import { createLogger, type Logger } from '../../logger.js';

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

/** Opens the database (embedded or DATABASE_URL), brings the schema up to date, runs fn, always closes. */
export async function runWithDatabase(
  fn: (db: Database, ctx: CommandContext) => Promise<void>,
): Promise<void> {
  await runCommand(async (ctx) => {
    const db = await openDatabase(ctx.config, ctx.logger);
    try {
      await migrate(db.pool, ctx.logger);
      await fn(db, ctx);
    } finally {
      await db.close();
    }
  });
}
