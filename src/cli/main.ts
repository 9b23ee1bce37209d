import { Command } from 'commander';
import { ENV_DOCS } from '../config.js';
import { APP_VERSION } from '../version.js';
import { registerBackup } from './commands/backup.js';
import { registerBench } from './commands/bench.js';
import { registerFlags } from './commands/flags.js';
import { registerImport } from './commands/import.js';
import { registerMigrate } from './commands/migrate.js';
import { registerReleases } from './commands/releases.js';
import { registerSeed } from './commands/seed.js';
import { registerServe } from './commands/serve.js';
import { registerTokens } from './commands/tokens.js';
import { registerUsers } from './commands/users.js';
import { registerViews } from './commands/views.js';

const program = new Command('kgdb')
  .description('Kidney-disease gene evidence database')
  .version(APP_VERSION)
  // Root options only before a command: `kgdb releases create --version 2026.12` is the release's version.
  .enablePositionalOptions()
  .showHelpAfterError()
  .addHelpText(
    'after',
    `\nEnvironment:\n${Object.entries(ENV_DOCS)
      .map(([name, doc]) => `  ${name.padEnd(16)} ${doc}`)
      .join('\n')}\n\nExit codes: 0 success, 1 failure (message on stderr as CODE: message).`,
  );

registerServe(program);
registerMigrate(program);
registerImport(program);
registerSeed(program);
registerUsers(program);
registerTokens(program);
registerFlags(program);
registerViews(program);
registerBackup(program);
registerReleases(program);
registerBench(program);

await program.parseAsync(process.argv);
