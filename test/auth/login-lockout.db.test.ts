import type { FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { User } from '../../src/auth/auth-types.js';
import { createLoginLockoutRepository, type LockoutPolicy } from '../../src/auth/login-lockout-repository.js';
import { createPasswordLogin } from '../../src/auth/password-login.js';
import { unlockUser } from '../../src/auth/unlock-user.js';
import { createUserRepository } from '../../src/auth/user-repository.js';
import { registerUsers } from '../../src/cli/commands/users.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { addUser, buildAuthTestApp, FAST_SCRYPT, runKgdb } from './auth-test-kit.js';

const POLICY: LockoutPolicy = { maxFailures: 3, windowMs: 15 * 60_000 };
const savedEnv = { ...process.env };

let db: TestDatabase;
let app: FastifyInstance;
/** A second instance on the same database: the lockout must hold there too. */
let other: FastifyInstance;

beforeAll(async () => {
  db = await createTestDatabase();
  // The per-address limit out of the way: these tests are about the per-account one.
  const loginRateLimit = { max: 1000, timeWindowMs: 60_000 };
  app = (await buildAuthTestApp(db.pool, { loginRateLimit, loginLockout: POLICY })).app;
  other = (await buildAuthTestApp(db.pool, { loginRateLimit, loginLockout: POLICY })).app;
});
afterAll(async () => {
  await app.close();
  await other.close();
  await db.drop();
});
afterEach(() => {
  process.env = { ...savedEnv };
  process.exitCode = undefined;
  vi.restoreAllMocks();
});

const login = (on: FastifyInstance, username: string, password: string) =>
  on.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password } });

async function failTimes(on: FastifyInstance, username: string, times: number): Promise<void> {
  for (let i = 0; i < times; i += 1) {
    expect((await login(on, username, 'wrong-password')).statusCode).toBe(401);
  }
}

/** Runs `kgdb users …` in process through the real adapter, against the test database. */
const kgdbUsers = (...args: string[]) => runKgdb(db.url, [registerUsers], ['users', ...args]);

describe('per-account login lockout (in PostgreSQL, shared by all instances)', () => {
  it('locks after N failures: the right password then gets 429 with Retry-After, on every instance', async () => {
    const { user, password } = await addUser(db.pool, 'curator');
    await failTimes(app, user.username, POLICY.maxFailures);
    for (const on of [app, other]) {
      const res = await login(on, user.email, password);
      expect(res.statusCode).toBe(429);
      const retryAfter = Number(res.headers['retry-after']);
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(POLICY.windowMs / 1000);
      expect(res.json().error).toMatchObject({
        status: 429,
        code: 'RATE_LIMITED',
        meta: { path: '/api/auth/login', method: 'POST' },
      });
      expect(res.json().error.detail).toBe(
        `Too many failed logins for this account; retry in ${retryAfter} s, or ask an administrator to unlock it`,
      );
    }
  });

  it('counts failures from all instances together, under the email and the username alike', async () => {
    const { user, password } = await addUser(db.pool, 'viewer');
    await failTimes(app, user.username, 1);
    await failTimes(other, user.email.toUpperCase(), 1);
    await failTimes(app, user.email, 1);
    expect((await login(other, user.username, password)).statusCode).toBe(429);
  });

  it('leaves a different account alone', async () => {
    const locked = await addUser(db.pool, 'viewer');
    const bystander = await addUser(db.pool, 'viewer');
    await failTimes(app, locked.user.username, POLICY.maxFailures);
    expect((await login(app, locked.user.username, locked.password)).statusCode).toBe(429);
    expect((await login(app, bystander.user.username, bystander.password)).statusCode).toBe(200);
  });

  it('a successful login before the limit starts the count again', async () => {
    const { user, password } = await addUser(db.pool, 'viewer');
    await failTimes(app, user.username, POLICY.maxFailures - 1);
    expect((await login(app, user.username, password)).statusCode).toBe(200);
    await failTimes(app, user.username, POLICY.maxFailures - 1);
    expect((await login(app, user.username, password)).statusCode).toBe(200);
  });

  it('locks a login name no account has exactly like a real one (a lockout reveals no account)', async () => {
    await failTimes(app, 'nobody-here@example.org', POLICY.maxFailures);
    const res = await login(app, 'Nobody-Here@example.org', 'anything-at-all');
    expect(res.statusCode).toBe(429);
    expect(res.headers['retry-after']).toBeDefined();
  });

  it('kgdb users unlock --email lifts the lock at once, for every instance', async () => {
    const { user, password } = await addUser(db.pool, 'admin');
    await failTimes(app, user.username, POLICY.maxFailures);
    expect((await login(other, user.username, password)).statusCode).toBe(429);

    const unlocked = await kgdbUsers('unlock', '--email', user.email.toUpperCase());
    expect(unlocked).toEqual({
      stdout: `unlocked user ${user.id}: ${user.username} <${user.email}>\n`,
      stderr: '',
      exitCode: 0,
    });
    expect((await login(other, user.username, password)).statusCode).toBe(200);

    const again = await kgdbUsers('unlock', '--email', user.email);
    expect(again.stdout).toBe(
      `was not locked; reset the failed-login count of user ${user.id}: ${user.username} <${user.email}>\n`,
    );
  });

  it('kgdb users unlock: an unknown email or a username is exit 1 with CODE: message', async () => {
    expect(await kgdbUsers('unlock', '--email', 'ghost@example.org')).toEqual({
      stdout: '',
      stderr: "NOT_FOUND: No user with email 'ghost@example.org'\n",
      exitCode: 1,
    });
    expect(await kgdbUsers('unlock', '--email', 'just_a_name')).toEqual({
      stdout: '',
      stderr: "INVALID_INPUT: email: expected an address, got 'just_a_name'\n",
      exitCode: 1,
    });
  });
});

describe('lockout window (an injected clock; the database compares the times it is given)', () => {
  let user: User;
  let password: string;
  let clock: Date;
  const passwords = () =>
    createPasswordLogin(createUserRepository(db.pool), {
      lockouts: createLoginLockoutRepository(db.pool),
      lockout: POLICY,
      now: () => clock,
      scrypt: FAST_SCRYPT,
    });
  const later = (ms: number) => {
    clock = new Date(clock.getTime() + ms);
  };

  beforeAll(async () => {
    ({ user, password } = await addUser(db.pool, 'viewer'));
    clock = new Date('2031-01-01T00:00:00Z');
  });

  it('the lock lasts a window from the failure that set it, then the right password works', async () => {
    const login = passwords();
    for (let i = 0; i < POLICY.maxFailures; i += 1) {
      expect(await login.check(user.username, 'wrong')).toEqual({ kind: 'bad_credentials' });
      later(1000);
    }
    const locked = await login.check(user.username, password);
    expect(locked).toEqual({ kind: 'locked', retryAfterSeconds: POLICY.windowMs / 1000 - 1 });
    later(POLICY.windowMs - 2000);
    expect(await login.check(user.username, password)).toMatchObject({ kind: 'locked' });
    later(1000);
    expect(await login.check(user.username, password)).toMatchObject({ kind: 'ok' });
  });

  it('failures older than the window do not count', async () => {
    const login = passwords();
    for (let i = 0; i < POLICY.maxFailures - 1; i += 1) await login.check(user.username, 'wrong');
    later(POLICY.windowMs);
    for (let i = 0; i < POLICY.maxFailures - 1; i += 1) await login.check(user.username, 'wrong');
    expect(await login.check(user.username, password)).toMatchObject({ kind: 'ok' });
  });

  it('unlockUser (the library side of the CLI) reports whether there was a lock', async () => {
    const login = passwords();
    for (let i = 0; i < POLICY.maxFailures; i += 1) await login.check(user.username, 'wrong');
    expect(await unlockUser(db.pool, user.email, clock)).toMatchObject({ wasLocked: true });
    expect(await login.check(user.username, password)).toMatchObject({ kind: 'ok' });
  });
});
