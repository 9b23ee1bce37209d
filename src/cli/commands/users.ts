import type { Command } from 'commander';
import type { CreatedUser } from '../../auth/create-user.js';
import { type NewUserInput, parseNewUser } from '../../auth/new-user.js';
import { ROLES } from '../../auth/roles.js';
import { checkUnlockEmail, type UnlockedUser, unlockUser } from '../../auth/unlock-user.js';
import { runCommand, withMigratedDatabase } from './run.js';

interface CreateOptions {
  email: string;
  role: string;
  username?: string;
  password?: string;
  fullName?: string;
}

/** What `kgdb users create` prints; a generated password comes alone on the last line. */
function formatUserCreated({ user, generatedPassword }: CreatedUser): string {
  const lines = [`created user ${user.id}: ${user.username} <${user.email}>, role ${user.role}`];
  if (generatedPassword !== undefined) {
    lines.push('generated password (shown only now; kgdb keeps only a hash):', generatedPassword);
  }
  return `${lines.join('\n')}\n`;
}

/** What `kgdb users unlock` prints. */
function formatUserUnlocked({ user, wasLocked }: UnlockedUser): string {
  const what = wasLocked ? 'unlocked' : 'was not locked; reset the failed-login count of';
  return `${what} user ${user.id}: ${user.username} <${user.email}>\n`;
}

export function registerUsers(program: Command): void {
  const users = program.command('users').description('Manage user accounts');
  users
    .command('create')
    .description('Create a user who can log in at POST /api/auth/login')
    .requiredOption('--email <email>', 'login email (unique, case-insensitive)')
    .requiredOption('--role <role>', ROLES.join('|'))
    .option('--username <username>', "3..50 of [a-zA-Z0-9_-]; default: the email's local part")
    .option('--password <password>', '8..1024 characters; default: generate a strong one and print it')
    .option('--full-name <name>', 'display name')
    .addHelpText(
      'after',
      '\nExit codes: 0 created; 1 invalid input, duplicate email/username, or database error.',
    )
    .action((opts: CreateOptions) =>
      runCommand(async (ctx) => {
        const input: NewUserInput = {
          email: opts.email,
          role: opts.role,
          username: opts.username,
          password: opts.password,
          full_name: opts.fullName,
        };
        parseNewUser(input); // bad flags fail here, before a database is opened
        await withMigratedDatabase(ctx, async (db) => {
          const { createUser } = await import('../../auth/create-user.js');
          process.stdout.write(formatUserCreated(await createUser(db.pool, input)));
        });
      }),
    );

  users
    .command('unlock')
    .description('Lift the lockout that failed password logins put on an account (on every instance)')
    .requiredOption('--email <email>', 'login email of the account (case-insensitive)')
    .addHelpText('after', '\nExit codes: 0 unlocked (or was not locked); 1 no such user, or database error.')
    .action((opts: { email: string }) =>
      runCommand(async (ctx) => {
        checkUnlockEmail(opts.email); // before a database is opened
        await withMigratedDatabase(ctx, async (db) => {
          process.stdout.write(formatUserUnlocked(await unlockUser(db.pool, opts.email)));
        });
      }),
    );
}
