import { createHmac } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { User } from '../../src/auth/auth-types.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { type AuthTestApp, addUser, bearer, buildAuthTestApp, loginAs } from './auth-test-kit.js';

let db: TestDatabase;
let kit: AuthTestApp;
let app: FastifyInstance;
let viewer: { user: User; password: string };

beforeAll(async () => {
  db = await createTestDatabase();
  // A generous limit here; the rate-limit cases build their own apps.
  kit = await buildAuthTestApp(db.pool, { loginRateLimit: { max: 1000, timeWindowMs: 60_000 } });
  app = kit.app;
  viewer = await addUser(db.pool, 'viewer', { email: 'Vera.Viewer@Example.org', username: 'vera_v' });
});
afterAll(async () => {
  await app.close();
  await db.drop();
});

/** An HS256 JWT signed by hand, so a test can leave out what kgdb's signer always adds. */
function hs256(secret: string, payload: object): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const unsigned = `${part({ alg: 'HS256', typ: 'JWT' })}.${part(payload)}`;
  return `${unsigned}.${createHmac('sha256', secret).update(unsigned).digest('base64url')}`;
}

const form = (fields: Record<string, string>) => ({
  headers: { 'content-type': 'application/x-www-form-urlencoded' },
  payload: new URLSearchParams(fields).toString(),
});

describe('POST /api/auth/login', () => {
  it("accepts upstream's OAuth2 password form and returns upstream's Token shape", async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/auth/login',
      ...form({ grant_type: 'password', username: 'vera_v', password: viewer.password, scope: '' }),
    });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(Object.keys(body).sort()).toEqual(['access_token', 'expires_in', 'refresh_token', 'token_type']);
    expect(body).toMatchObject({ token_type: 'bearer', expires_in: 1800, refresh_token: null });
    expect(body.access_token).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
  });

  it('accepts the email in the form username field, case-insensitively', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/auth/login',
      ...form({ username: 'vera.viewer@example.ORG', password: viewer.password }),
    });
    expect(res.statusCode).toBe(200);
  });

  it('accepts JSON with email or username', async () => {
    for (const payload of [
      { email: 'vera.viewer@example.org', password: viewer.password },
      { username: 'VERA_V', password: viewer.password },
    ]) {
      const res = await app.inject({ method: 'POST', url: '/api/auth/login', payload });
      expect(res.statusCode, JSON.stringify(payload)).toBe(200);
    }
  });

  it('issues a JWT that works on /api/auth/me and records last_login', async () => {
    const token = await loginAs(app, 'vera_v', viewer.password);
    const res = await app.inject({ method: 'GET', url: '/api/auth/me', headers: bearer(token) });
    expect(res.statusCode).toBe(200);
    const me = res.json();
    expect(me).toMatchObject({
      id: viewer.user.id,
      email: 'Vera.Viewer@Example.org',
      username: 'vera_v',
      full_name: null,
      role: 'viewer',
      permissions: ['genes:read', 'annotations:read'],
      is_active: true,
      is_verified: true,
    });
    expect(me).not.toHaveProperty('hashed_password');
    expect(Object.keys(me).sort()).toEqual(
      [
        'created_at',
        'email',
        'full_name',
        'id',
        'is_active',
        'is_verified',
        'last_login',
        'permissions',
        'role',
        'updated_at',
        'username',
      ].sort(),
    );
    expect(new Date(me.last_login).getTime()).toBeGreaterThan(Date.now() - 60_000);
    expect(me.created_at).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('answers 401 with the same message for a wrong password and an unknown user', async () => {
    const wrong = await app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { username: 'vera_v', password: 'not-the-password' },
    });
    const unknown = await app.inject({
      method: 'POST',
      url: '/api/auth/login',
      ...form({ username: 'nobody@example.org', password: 'whatever1' }),
    });
    for (const res of [wrong, unknown]) {
      expect(res.statusCode).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer');
      expect(res.json().error).toMatchObject({
        status: 401,
        code: 'UNAUTHORIZED',
        detail: 'Incorrect username/email or password',
        meta: { path: '/api/auth/login', method: 'POST' },
      });
    }
  });

  it('answers 403 for the right password of an inactive account', async () => {
    const { user, password } = await addUser(db.pool, 'curator');
    await db.pool.query('update users set is_active = false where id = $1', [user.id]);
    const res = await app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { username: user.username, password },
    });
    expect(res.statusCode).toBe(403);
    expect(res.json().error).toMatchObject({ code: 'FORBIDDEN', detail: 'Account is inactive' });
  });

  it('answers 400 in the envelope for a missing login, a missing password or an unknown field', async () => {
    const cases = [
      [{ password: 'x' }, 'username'],
      [{ username: 'vera_v' }, 'password'],
      [{ username: 'vera_v', password: 'x', remember_me: true }, 'remember_me'],
    ] as const;
    for (const [payload, parameter] of cases) {
      const res = await app.inject({ method: 'POST', url: '/api/auth/login', payload });
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(res.json().error).toMatchObject({ code: 'INVALID_PARAMETER', source: { parameter } });
    }
  });
});

describe('GET /api/auth/me', () => {
  it('answers 401 in the envelope without credentials, with a bad token and with a foreign signature', async () => {
    const other = await buildAuthTestApp(db.pool);
    const foreign = other.app.jwt.sign({ sub: String(viewer.user.id), role: 'viewer', typ: 'access' });
    await other.app.close();
    for (const headers of [{}, bearer('not.a.jwt'), bearer(foreign), { authorization: 'Basic dTpw' }]) {
      const res = await app.inject({ method: 'GET', url: '/api/auth/me', headers });
      expect(res.statusCode, JSON.stringify(headers)).toBe(401);
      expect(res.json().error.code).toBe('UNAUTHORIZED');
      expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
    }
  });

  it('answers 401 for an expired access token', async () => {
    const iat = Math.floor(Date.now() / 1000) - 3600;
    const expired = app.jwt.sign({ sub: String(viewer.user.id), role: 'viewer', typ: 'access', iat });
    const res = await app.inject({ method: 'GET', url: '/api/auth/me', headers: bearer(expired) });
    expect(res.statusCode).toBe(401);
    expect(res.json().error.detail).toBe('Access token expired; log in again');
  });

  it('answers 401 for a token signed with the right secret but without exp (it would never expire)', async () => {
    const claims = { sub: String(viewer.user.id), role: 'viewer', typ: 'access' };
    const now = Math.floor(Date.now() / 1000);
    // The same signature with an exp passes: only the missing claim is refused.
    const withExp = hs256(kit.auth.jwtSecret, { ...claims, iat: now, exp: now + 600 });
    const ok = await app.inject({ method: 'GET', url: '/api/auth/me', headers: bearer(withExp) });
    expect(ok.statusCode).toBe(200);
    for (const payload of [
      { ...claims, iat: now },
      { ...claims, iat: now, exp: null },
      { ...claims, iat: now, exp: String(now + 600) },
    ]) {
      const token = hs256(kit.auth.jwtSecret, payload);
      const res = await app.inject({ method: 'GET', url: '/api/auth/me', headers: bearer(token) });
      expect(res.statusCode, JSON.stringify(payload)).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
      expect(res.json().error.code).toBe('UNAUTHORIZED');
    }
    const noExp = hs256(kit.auth.jwtSecret, { ...claims, iat: now });
    const res = await app.inject({ method: 'GET', url: '/api/auth/me', headers: bearer(noExp) });
    expect(res.json().error.detail).toBe('Invalid access token: it has no exp');
  });

  it('takes the role from the database, and refuses a deactivated or deleted account at once', async () => {
    const { user, password } = await addUser(db.pool, 'viewer');
    const token = await loginAs(app, user.username, password);
    await db.pool.query(`update users set role = 'curator' where id = $1`, [user.id]);
    const promoted = await app.inject({ method: 'GET', url: '/api/auth/me', headers: bearer(token) });
    expect(promoted.json().role).toBe('curator');

    await db.pool.query('update users set is_active = false where id = $1', [user.id]);
    const inactive = await app.inject({ method: 'GET', url: '/api/auth/me', headers: bearer(token) });
    expect(inactive.statusCode).toBe(403);
    expect(inactive.json().error.detail).toBe('User account is inactive');

    await db.pool.query('delete from users where id = $1', [user.id]);
    const gone = await app.inject({ method: 'GET', url: '/api/auth/me', headers: bearer(token) });
    expect(gone.statusCode).toBe(401);
  });

  it('ignores bad credentials on public routes instead of failing the read', async () => {
    const res = await app.inject({ method: 'GET', url: '/health', headers: bearer('kgdb_stale') });
    expect(res.statusCode).toBe(200);
  });
});

describe('login rate limit (per client address, per instance)', () => {
  it('the default allows 10 attempts a minute, then 429 in the envelope', async () => {
    const limited = await buildAuthTestApp(db.pool);
    try {
      // Bodies that fail validation cost no scrypt and still count: the limit runs before parsing.
      const attempt = () =>
        limited.app.inject({ method: 'POST', url: '/api/auth/login', payload: { password: 'x' } });
      for (let i = 0; i < 10; i += 1) expect((await attempt()).statusCode).toBe(400);
      const res = await attempt();
      expect(res.statusCode).toBe(429);
      expect(res.headers['retry-after']).toBeDefined();
      expect(res.json().error).toMatchObject({
        status: 429,
        code: 'RATE_LIMITED',
        meta: { path: '/api/auth/login' },
      });
      expect(res.json().error.detail).toMatch(
        /^Too many login attempts from this address \(at most 10 per 60 s\)/,
      );
      // Another address has its own budget, and other routes are not limited.
      const elsewhere = await limited.app.inject({
        method: 'POST',
        url: '/api/auth/login',
        remoteAddress: '10.0.0.9',
        payload: { password: 'x' },
      });
      expect(elsewhere.statusCode).toBe(400);
      expect((await limited.app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
    } finally {
      await limited.app.close();
    }
  });

  it('behind a trusted proxy (KGDB_TRUST_PROXY) each X-Forwarded-For client has its own budget; else it is ignored', async () => {
    const attempt = (app: FastifyInstance, client: string) =>
      app.inject({
        method: 'POST',
        url: '/api/auth/login',
        headers: { 'x-forwarded-for': client },
        payload: { password: 'x' },
      });
    const limit = { loginRateLimit: { max: 2, timeWindowMs: 60_000 } };
    // inject's peer is 127.0.0.1: the proxy.
    const behind = await buildAuthTestApp(db.pool, { ...limit, trustProxy: ['127.0.0.1'] });
    const direct = await buildAuthTestApp(db.pool, limit);
    try {
      for (const app of [behind, direct].map((k) => k.app)) {
        expect((await attempt(app, '203.0.113.1')).statusCode).toBe(400);
        expect((await attempt(app, '203.0.113.1')).statusCode).toBe(400);
        expect((await attempt(app, '203.0.113.1')).statusCode).toBe(429);
      }
      expect((await attempt(behind.app, '203.0.113.2')).statusCode).toBe(400);
      // Not trusted: every forwarded client is the proxy's one address, whose budget is spent.
      expect((await attempt(direct.app, '203.0.113.2')).statusCode).toBe(429);
    } finally {
      await behind.app.close();
      await direct.app.close();
    }
  });

  it('counts successful logins too, with a configurable limit', async () => {
    const limited = await buildAuthTestApp(db.pool, { loginRateLimit: { max: 2, timeWindowMs: 60_000 } });
    try {
      await loginAs(limited.app, 'vera_v', viewer.password);
      await loginAs(limited.app, 'vera_v', viewer.password);
      await expect(loginAs(limited.app, 'vera_v', viewer.password)).rejects.toThrow(/login failed: 429/);
    } finally {
      await limited.app.close();
    }
  });
});
