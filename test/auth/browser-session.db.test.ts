import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { User } from '../../src/auth/auth-types.js';
import { csrfTokenFor, SESSION_COOKIE } from '../../src/auth/session-cookie.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { type AuthTestApp, addUser, bearer, buildAuthTestApp, loginAs } from './auth-test-kit.js';

let db: TestDatabase;
let kit: AuthTestApp;
let app: FastifyInstance;
let admin: { user: User; password: string };
let viewer: { user: User; password: string };

beforeAll(async () => {
  db = await createTestDatabase();
  kit = await buildAuthTestApp(db.pool, { loginRateLimit: { max: 1000, timeWindowMs: 60_000 } });
  app = kit.app;
  admin = await addUser(db.pool, 'admin');
  viewer = await addUser(db.pool, 'viewer');
});
afterAll(async () => {
  await app.close();
  await db.drop();
});

interface Session {
  cookie: string;
  csrf: string;
  response: LightMyRequestResponse;
}

async function openSession(login: string, password: string): Promise<Session> {
  const response = await app.inject({
    method: 'POST',
    url: '/api/auth/session',
    payload: { username: login, password },
  });
  expect(response.statusCode, response.body).toBe(200);
  const cookie = response.cookies.find((c) => c.name === SESSION_COOKIE);
  if (!cookie) throw new Error(`no ${SESSION_COOKIE} cookie in ${JSON.stringify(response.cookies)}`);
  return { cookie: cookie.value, csrf: response.json().csrf_token, response };
}

/** An admin mutation that needs no other state: a flag change to its current value is still a write. */
const FLAG_URL = '/api/admin/feature-flags/enable_shadow_testing';

describe('browser sessions: POST /api/auth/session', () => {
  it('puts the access token in an httpOnly, SameSite=Strict cookie and returns the user and a CSRF token', async () => {
    const { cookie, csrf, response } = await openSession(admin.user.username, admin.password);
    const set = response.cookies.find((c) => c.name === SESSION_COOKIE);
    expect(set).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/', maxAge: 1800 });
    // Plain HTTP (a local console at http://127.0.0.1): a Secure cookie would never come back.
    expect(set?.secure).toBeUndefined();
    expect(cookie).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    const body = response.json();
    expect(body).toMatchObject({ user: { id: admin.user.id, role: 'admin' }, expires_in: 1800 });
    expect(body).not.toHaveProperty('access_token');
    expect(csrf).toBe(csrfTokenFor(kit.auth.jwtSecret, cookie));
    expect(JSON.stringify(body)).not.toContain(cookie);
  });

  it('sets no cookie for wrong credentials', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/auth/session',
      payload: { username: admin.user.username, password: 'wrong password' },
    });
    expect(res.statusCode).toBe(401);
    expect(res.cookies).toEqual([]);
  });
});

describe('browser sessions: the cookie authenticates', () => {
  it('reads with the cookie alone; GET /api/auth/session gives the CSRF token back to a reloaded page', async () => {
    const { cookie, csrf } = await openSession(viewer.user.username, viewer.password);
    const me = await app.inject({
      method: 'GET',
      url: '/api/auth/me',
      cookies: { [SESSION_COOKIE]: cookie },
    });
    expect(me.statusCode).toBe(200);
    expect(me.json().id).toBe(viewer.user.id);
    const again = await app.inject({
      method: 'GET',
      url: '/api/auth/session',
      cookies: { [SESSION_COOKIE]: cookie },
    });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ csrf_token: csrf, user: { id: viewer.user.id } });
    // Roles hold as with a bearer token.
    const adminRead = await app.inject({
      method: 'GET',
      url: '/api/admin/feature-flags',
      cookies: { [SESSION_COOKIE]: cookie },
    });
    expect(adminRead.statusCode).toBe(403);
  });

  it('a change needs the X-CSRF-Token of that very session; the right one lets it through', async () => {
    const { cookie, csrf } = await openSession(admin.user.username, admin.password);
    // Another session's token (a session is its JWT: the same user's logins within one second are one).
    const other = await openSession(viewer.user.username, viewer.password);
    const read = await app.inject({ method: 'GET', url: FLAG_URL, cookies: { [SESSION_COOKIE]: cookie } });
    expect(read.statusCode).toBe(200);
    const percentage = read.json().data.percentage === 37 ? 38 : 37;
    const patch = (headers: Record<string, string>) =>
      app.inject({
        method: 'PATCH',
        url: FLAG_URL,
        cookies: { [SESSION_COOKIE]: cookie },
        headers,
        payload: { percentage, reason: 'browser session test' },
      });

    const attempts: Record<string, string>[] = [
      {},
      { 'x-csrf-token': 'forged' },
      { 'x-csrf-token': other.csrf },
    ];
    for (const headers of attempts) {
      const refused = await patch(headers);
      expect(refused.statusCode, JSON.stringify(headers)).toBe(403);
      expect(refused.json().error.detail).toContain("'x-csrf-token' header on PATCH");
    }
    const unchanged = await app.inject({
      method: 'GET',
      url: FLAG_URL,
      cookies: { [SESSION_COOKIE]: cookie },
    });
    expect(unchanged.json().data.percentage).toBe(read.json().data.percentage);
    const accepted = await patch({ 'x-csrf-token': csrf });
    expect(accepted.statusCode, accepted.body).toBe(200);
    expect(accepted.json()).toMatchObject({ data: { percentage }, meta: { changed: true } });
  });

  it('a bearer token needs no CSRF token, and wins over a cookie sent beside it', async () => {
    const token = await loginAs(app, viewer.user.username, viewer.password);
    const { cookie } = await openSession(admin.user.username, admin.password);
    const res = await app.inject({
      method: 'GET',
      url: '/api/admin/feature-flags',
      cookies: { [SESSION_COOKIE]: cookie },
      headers: bearer(token),
    });
    expect(res.statusCode).toBe(403);
    const session = await app.inject({
      method: 'GET',
      url: '/api/auth/session',
      cookies: { [SESSION_COOKIE]: cookie },
      headers: bearer(token),
    });
    expect(session.statusCode).toBe(403);
    expect(session.json().error.detail).toContain('No browser session');
  });

  it('refuses a cookie that is not a login token of this server, and an API token in a cookie', async () => {
    for (const value of ['not-a-jwt', 'kgdb_0123456789abcdef0123456789abcdef']) {
      const res = await app.inject({
        method: 'GET',
        url: '/api/auth/me',
        cookies: { [SESSION_COOKIE]: value },
      });
      expect(res.statusCode, value).toBe(401);
    }
  });
});

describe('browser sessions: DELETE /api/auth/session', () => {
  it('clears the cookie', async () => {
    const { cookie } = await openSession(viewer.user.username, viewer.password);
    const res = await app.inject({
      method: 'DELETE',
      url: '/api/auth/session',
      cookies: { [SESSION_COOKIE]: cookie },
    });
    expect(res.statusCode).toBe(204);
    const cleared = res.cookies.find((c) => c.name === SESSION_COOKIE);
    expect(cleared?.value).toBe('');
    expect(cleared?.expires?.getTime()).toBeLessThanOrEqual(Date.now());
  });
});
