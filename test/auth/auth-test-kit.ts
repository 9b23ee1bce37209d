import { randomBytes } from 'node:crypto';
import { Command } from 'commander';
import type { FastifyInstance } from 'fastify';
import { vi } from 'vitest';
import type { Composition } from '../../src/app/compose.js';
import type { AuthDeps } from '../../src/auth/auth-deps.js';
import type { User } from '../../src/auth/auth-types.js';
import { createUser } from '../../src/auth/create-user.js';
import type { ScryptParams } from '../../src/auth/passwords.js';
import type { Role } from '../../src/auth/roles.js';
import type { TrustProxy } from '../../src/config.js';
import type { Pool } from '../../src/db/pool.js';
import { composeTestApp } from '../helpers/app.js';

/** Cheap scrypt for fixture users (≈1 ms); the defaults are covered in passwords.test.ts. */
export const FAST_SCRYPT: ScryptParams = { ln: 10, r: 8, p: 1 };

export interface AuthTestApp {
  app: FastifyInstance;
  /** What `app` authenticates with (its JWT secret signs hand-made tokens). */
  auth: AuthDeps;
  composition: Composition;
}

/** Login limits a test narrows or widens (the composition's `swaps.auth`). */
export type AuthLimits = Partial<Pick<AuthDeps, 'loginRateLimit' | 'loginLockout'>>;

export interface AuthTestOptions extends AuthLimits {
  metricsToken?: string;
  trustProxy?: TrustProxy;
}

/** The composed app (composeTestApp) with its own JWT secret; the caller may add routes before `app.ready()`. */
export async function buildAuthTestApp(pool: Pool, options: AuthTestOptions = {}): Promise<AuthTestApp> {
  const { metricsToken, trustProxy, ...limits } = options;
  const jwtSecret = randomBytes(32).toString('hex');
  const composition = await composeTestApp(pool, {
    jwtSecret,
    metricsToken,
    trustProxy,
    swaps: { auth: limits },
  });
  return { app: composition.app, auth: composition.parts.auth, composition };
}

let counter = 0;

/** A user with a known password; names are unique per call. */
export async function addUser(
  pool: Pool,
  role: Role,
  extra: { email?: string; username?: string } = {},
): Promise<{ user: User; password: string }> {
  counter += 1;
  const n = `${role}${counter}${randomBytes(3).toString('hex')}`;
  const password = `pw-${n}-secret`;
  const { user } = await createUser(
    pool,
    { email: extra.email ?? `${n}@example.org`, username: extra.username ?? n, role, password },
    FAST_SCRYPT,
  );
  return { user, password };
}

/** Logs in through POST /api/auth/login (JSON) and returns the access token. */
export async function loginAs(app: FastifyInstance, login: string, password: string): Promise<string> {
  const res = await app.inject({
    method: 'POST',
    url: '/api/auth/login',
    payload: { username: login, password },
  });
  if (res.statusCode !== 200) throw new Error(`login failed: ${res.statusCode} ${res.body}`);
  return res.json().access_token;
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

/**
 * Runs `kgdb <args>` in process through the real command adapters `register` adds, against the database at
 * `url`: what it printed and its exit code.
 */
export async function runKgdb(
  url: string,
  register: readonly ((program: Command) => void)[],
  args: readonly string[],
): Promise<{ stdout: string; stderr: string; exitCode: number }> {
  process.env.DATABASE_URL = url;
  process.env.LOG_LEVEL = 'warn';
  process.exitCode = undefined;
  let stdout = '';
  let stderr = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout += String(chunk);
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    stderr += String(chunk);
    return true;
  });
  const program = new Command('kgdb').exitOverride();
  for (const add of register) add(program);
  try {
    await program.parseAsync(['node', 'kgdb', ...args]);
  } finally {
    vi.restoreAllMocks();
  }
  const exitCode = Number(process.exitCode ?? 0);
  process.exitCode = undefined;
  return { stdout, stderr, exitCode };
}
