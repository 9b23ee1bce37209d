import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { hashApiToken } from '../../src/auth/api-token.js';
import { verifyPassword } from '../../src/auth/passwords.js';
import { registerTokens } from '../../src/cli/commands/tokens.js';
import { registerUsers } from '../../src/cli/commands/users.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { runKgdb } from './auth-test-kit.js';

let db: TestDatabase;
const savedEnv = { ...process.env };

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});
afterEach(() => {
  process.env = { ...savedEnv };
  process.exitCode = undefined;
  vi.restoreAllMocks();
});

/** Runs `kgdb <args>` in process through the real adapters, against the test database. */
const kgdb = (...args: string[]) => runKgdb(db.url, [registerUsers, registerTokens], args);

describe('kgdb tokens create', () => {
  it('prints the token alone on its last stdout line and stores only its hash', async () => {
    const { stdout, exitCode } = await kgdb(
      'tokens',
      'create',
      '--role',
      'admin',
      '--name',
      'ci',
      '--expires-days',
      '30',
    );
    expect(exitCode).toBe(0);
    const token = stdout.trimEnd().split('\n').at(-1) ?? '';
    expect(token).toMatch(/^kgdb_[A-Za-z0-9_-]{43}$/);
    const { rows } = await db.pool.query(
      'select name, role, expires_at from api_tokens where token_hash = $1',
      [hashApiToken(token)],
    );
    expect(rows).toEqual([{ name: 'ci', role: 'admin', expires_at: expect.any(Date) }]);
  });

  it('rejects a bad role and expiry with the allowed values, exit code 1', async () => {
    const { stdout, stderr, exitCode } = await kgdb(
      'tokens',
      'create',
      '--role',
      'root',
      '--expires-days',
      'soon',
    );
    expect(exitCode).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toMatchInlineSnapshot(`
      "INVALID_INPUT: role: expected one of viewer, curator, admin, got 'root'; expires-days: expected a whole number 1..3650, got 'soon'
      "
    `);
  });

  it('lists and revokes', async () => {
    const created = await kgdb('tokens', 'create', '--role', 'viewer', '--name', 'to-revoke');
    const id = /created API token (\d+)/.exec(created.stdout)?.[1] ?? '';
    expect((await kgdb('tokens', 'revoke', id)).stdout).toMatch(
      new RegExp(`^revoked API token ${id} 'to-revoke' at `),
    );
    expect((await kgdb('tokens', 'list')).stdout).toMatch(
      new RegExp(`^${id}\\t\\S+…\\tviewer\\trevoked\\t`, 'm'),
    );
    const missing = await kgdb('tokens', 'revoke', '999999');
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toBe('NOT_FOUND: No API token with id 999999\n');
  });
});

describe('kgdb users create', () => {
  it('generates and prints a strong password when none is given', async () => {
    const { stdout, exitCode } = await kgdb(
      'users',
      'create',
      '--email',
      'Grace@Example.org',
      '--role',
      'admin',
    );
    expect(exitCode).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^created user \d+: Grace <Grace@Example.org>, role admin$/);
    const password = lines.at(-1) ?? '';
    expect(password).toMatch(/^[A-Za-z0-9_-]{24}$/);
    const { rows } = await db.pool.query('select hashed_password from users where email = $1', [
      'Grace@Example.org',
    ]);
    expect(await verifyPassword(password, rows[0].hashed_password)).toBe(true);
  });

  it('takes --username and --password', async () => {
    const { stdout, exitCode } = await kgdb(
      'users',
      'create',
      '--email',
      'ada@example.org',
      '--role',
      'curator',
      '--username',
      'ada_l',
      '--password',
      'analytical-engine',
    );
    expect(exitCode).toBe(0);
    expect(stdout).toMatch(/^created user \d+: ada_l <ada@example.org>, role curator\n$/);
  });

  it('rejects a bad email and role, listing the allowed roles', async () => {
    const { stderr, exitCode } = await kgdb('users', 'create', '--email', 'nope', '--role', 'boss');
    expect(exitCode).toBe(1);
    expect(stderr).toMatchInlineSnapshot(`
      "INVALID_INPUT: email: expected an address like name@example.org, got 'nope'; role: expected one of viewer, curator, admin, got 'boss'
      "
    `);
  });

  it('refuses a duplicate email or username, in any case', async () => {
    await kgdb(
      'users',
      'create',
      '--email',
      'dup@example.org',
      '--role',
      'viewer',
      '--password',
      'password-1',
    );
    const sameEmail = await kgdb(
      'users',
      'create',
      '--email',
      'DUP@example.org',
      '--role',
      'viewer',
      '--username',
      'other',
    );
    expect(sameEmail.exitCode).toBe(1);
    expect(sameEmail.stderr).toBe(
      "CONFLICT: A user with email 'DUP@example.org' already exists (compared case-insensitively)\n",
    );
    const sameName = await kgdb(
      'users',
      'create',
      '--email',
      'x@example.org',
      '--role',
      'viewer',
      '--username',
      'DUP',
    );
    expect(sameName.stderr).toBe(
      "CONFLICT: A user with username 'DUP' already exists (compared case-insensitively)\n",
    );
  });
});

// Through the real binary once the lead has registered the commands in src/cli/main.ts.
const registered = readFileSync(new URL('../../src/cli/main.ts', import.meta.url), 'utf8').includes(
  'registerTokens(',
);
describe.skipIf(!registered)('bin/kgdb.js tokens create', () => {
  it('prints the token on its last stdout line', async () => {
    const { stdout } = await promisify(execFile)(
      'node',
      ['bin/kgdb.js', 'tokens', 'create', '--role', 'admin'],
      {
        env: { ...savedEnv, DATABASE_URL: db.url, LOG_LEVEL: 'warn' },
      },
    );
    expect(stdout.trimEnd().split('\n').at(-1)).toMatch(/^kgdb_[A-Za-z0-9_-]{43}$/);
  });
});
