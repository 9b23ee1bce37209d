import type { Command } from 'commander';
import { runCommand } from './run.js';

export function registerMigrate(program: Command): void {
  program
    .command('migrate')
    .description('Apply pending table migrations (idempotent; waits for a concurrent migrate)')
    .action(() =>
      runCommand(async ({ config, logger }) => {
        const { openDatabase } = await import('../../db/database.js');
        const { migrate } = await import('../../db/migrate.js');
        const db = await openDatabase(config, logger);
        try {
          const applied = await migrate(db.pool, logger);
          process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'schema up to date\n');
        } finally {
          await db.close();
        }
      }),
    );
}
