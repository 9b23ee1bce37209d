import { Command } from 'commander';
import { registerBackup } from '../../src/cli/commands/backup.js';

// `kgdb backup` and `kgdb restore` as a program of their own, exactly as src/cli/commands/backup.ts registers
// them, so tests can run them in a child process (and kill it): `node --import tsx test/backup/backup-cli.ts`.
const program = new Command('kgdb');
registerBackup(program);
await program.parseAsync(process.argv);
