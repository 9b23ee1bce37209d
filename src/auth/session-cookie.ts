import { createHmac } from 'node:crypto';

/**
 * A browser session: the same access JWT that `POST /api/auth/login` returns, carried in an httpOnly cookie so
 * that page scripts never hold it. A cookie is sent with every request to the site, including ones another
 * site makes the browser send, so a request it authenticates that changes something must also carry the
 * session's CSRF token in a header (which another site cannot read or set): the token is an HMAC of the
 * cookie's value under the server's JWT secret, so it needs no storage, differs per session and is the same
 * on every instance. SameSite=Strict keeps other sites' requests from carrying the cookie at all; the token
 * is the check that does not depend on the browser.
 */

export const SESSION_COOKIE = 'kgdb_session';
export const CSRF_HEADER = 'x-csrf-token';

/** Methods that never change anything here; every other method needs the CSRF token with a session cookie. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export const needsCsrfToken = (method: string): boolean => !SAFE_METHODS.has(method.toUpperCase());

export function csrfTokenFor(secret: string, sessionValue: string): string {
  return createHmac('sha256', secret).update(`kgdb-csrf:${sessionValue}`).digest('base64url');
}

export interface SessionCookieOptions {
  httpOnly: true;
  sameSite: 'strict';
  path: '/';
  /** Only over HTTPS when the session was opened over HTTPS (plain http://127.0.0.1 must still work). */
  secure: boolean;
  /** Seconds; the cookie lives as long as the JWT inside it. */
  maxAge: number;
}

export const sessionCookieOptions = (ttlSeconds: number, secure: boolean): SessionCookieOptions => ({
  httpOnly: true,
  sameSite: 'strict',
  path: '/',
  secure,
  maxAge: ttlSeconds,
});
