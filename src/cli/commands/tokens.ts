import type { Command } from 'commander';
import { tokenStatus } from '../../auth/api-token.js';
import { createApiTokenRepository } from '../../auth/api-token-repository.js';
import type { ApiToken } from '../../auth/auth-types.js';
import {
  type ApiTokenInput,
  type IssuedApiToken,
  issueApiToken,
  MAX_EXPIRES_DAYS,
  parseApiTokenInput,
} from '../../auth/issue-api-token.js';
import { ROLES } from '../../auth/roles.js';
import { KgdbError } from '../../errors.js';
import { runCommand, withMigratedDatabase } from './run.js';

interface CreateOptions {
  role: string;
  name?: string;
  expiresDays?: string;
}

/** What `kgdb tokens create` prints: a summary, then the token alone on the last line (for `| tail -1`). */
export function formatTokenCreated({ token, record }: IssuedApiToken): string {
  const expires = record.expires_at ? `expires ${record.expires_at.toISOString()}` : 'never expires';
  return [
    `created API token ${record.id} '${record.name}': role ${record.role}, ${expires}`,
    'use it as "Authorization: Bearer <token>"; it is shown only now (kgdb keeps only a hash):',
    token,
    '',
  ].join('\n');
}

export function formatTokenList(tokens: ApiToken[], now: Date): string {
  if (tokens.length === 0) return 'no API tokens\n';
  const rows = tokens.map((t) =>
    [
      String(t.id),
      `${t.display_prefix}…`,
      t.role,
      tokenStatus(t, now),
      t.last_used_at?.toISOString() ?? '-',
      t.expires_at?.toISOString() ?? '-',
      t.name,
    ].join('\t'),
  );
  return `${['id', 'prefix', 'role', 'status', 'last_used', 'expires', 'name'].join('\t')}\n${rows.join('\n')}\n`;
}

export function registerTokens(program: Command): void {
  const tokens = program
    .command('tokens')
    .description('API tokens for scripts (Authorization: Bearer kgdb_…)');
  tokens
    .command('create')
    .description('Create an API token and print it (alone on the last line)')
    .requiredOption('--role <role>', ROLES.join('|'))
    .option('--name <name>', 'what the token is for (default: "<role> token <date>")')
    .option('--expires-days <n>', `1..${MAX_EXPIRES_DAYS}; default: never expires`)
    .addHelpText('after', '\nExit codes: 0 created; 1 invalid input or database error.')
    .action((opts: CreateOptions) =>
      runCommand(async (ctx) => {
        const input: ApiTokenInput = { role: opts.role, name: opts.name, expiresDays: opts.expiresDays };
        parseApiTokenInput(input, new Date()); // bad flags fail here, before a database is opened
        await withMigratedDatabase(ctx, async (db) => {
          process.stdout.write(formatTokenCreated(await issueApiToken(db.pool, input)));
        });
      }),
    );

  tokens
    .command('list')
    .description('List API tokens (prefix, role, status; never the tokens themselves)')
    .action(() =>
      runCommand((ctx) =>
        withMigratedDatabase(ctx, async (db) => {
          process.stdout.write(formatTokenList(await createApiTokenRepository(db.pool).list(), new Date()));
        }),
      ),
    );

  tokens
    .command('revoke')
    .description('Revoke an API token by id; requests using it get 401 from then on')
    .argument('<id>', 'the id shown by `kgdb tokens list`')
    .addHelpText('after', '\nExit codes: 0 revoked (or already revoked); 1 no such token.')
    .action((rawId: string) =>
      runCommand(async (ctx) => {
        if (!/^\d+$/.test(rawId)) {
          throw new KgdbError('INVALID_INPUT', {
            parameter: 'id',
            detail: `id: expected a whole number, got '${rawId}'`,
          });
        }
        await withMigratedDatabase(ctx, async (db) => {
          const revoked = await createApiTokenRepository(db.pool).revoke(Number(rawId));
          if (!revoked)
            throw new KgdbError('NOT_FOUND', { parameter: 'id', detail: `No API token with id ${rawId}` });
          process.stdout.write(
            `revoked API token ${revoked.id} '${revoked.name}' at ${revoked.revoked_at?.toISOString()}\n`,
          );
        });
      }),
    );
}
