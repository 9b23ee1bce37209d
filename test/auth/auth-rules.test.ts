import { describe, expect, it } from 'vitest';
import {
  API_TOKEN_PREFIX,
  generateApiToken,
  hashApiToken,
  isApiToken,
  shouldTouch,
  tokenDisplayPrefix,
  tokenStatus,
} from '../../src/auth/api-token.js';
import { parseBearer } from '../../src/auth/bearer.js';
import { parseApiTokenInput } from '../../src/auth/issue-api-token.js';
import { toLoginCredentials } from '../../src/auth/login-credentials.js';
import { parseNewUser, usernameFromEmail } from '../../src/auth/new-user.js';
import { accessVerdict, hasRole, isRole, ROLE_PERMISSIONS, ROLES } from '../../src/auth/roles.js';
import { KgdbError } from '../../src/errors.js';

const NOW = new Date('2025-06-01T12:00:00Z');

describe('API tokens', () => {
  it('are kgdb_ + 43 URL-safe characters (256 bits) and never repeat', () => {
    const tokens = Array.from({ length: 100 }, generateApiToken);
    expect(new Set(tokens).size).toBe(100);
    for (const t of tokens) {
      expect(t).toMatch(/^kgdb_[A-Za-z0-9_-]{43}$/);
      expect(isApiToken(t)).toBe(true);
    }
    expect(isApiToken('eyJhbGciOiJIUzI1NiJ9.e30.x')).toBe(false);
  });

  it('are stored as lower-case hex SHA-256, deterministic per token', () => {
    const t = generateApiToken();
    expect(hashApiToken(t)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashApiToken(t)).toBe(hashApiToken(t));
    expect(hashApiToken(t)).not.toBe(hashApiToken(generateApiToken()));
    expect(hashApiToken('kgdb_abc')).toBe('81e574921a3af0f685d5f7becdf58f6590288328f320ffb3e5fa0c033d9cc628');
  });

  it('show a short display prefix that is not the secret', () => {
    const t = `${API_TOKEN_PREFIX}AbCdEfGhIjKlMnOp`;
    expect(tokenDisplayPrefix(t)).toBe('kgdb_AbCdEfGh');
  });

  it('are active until expiry or revocation; revocation wins', () => {
    const past = new Date(NOW.getTime() - 1000);
    const future = new Date(NOW.getTime() + 1000);
    expect(tokenStatus({ expires_at: null, revoked_at: null }, NOW)).toBe('active');
    expect(tokenStatus({ expires_at: future, revoked_at: null }, NOW)).toBe('active');
    expect(tokenStatus({ expires_at: past, revoked_at: null }, NOW)).toBe('expired');
    expect(tokenStatus({ expires_at: NOW, revoked_at: null }, NOW)).toBe('expired');
    expect(tokenStatus({ expires_at: past, revoked_at: past }, NOW)).toBe('revoked');
    expect(tokenStatus({ expires_at: null, revoked_at: past }, NOW)).toBe('revoked');
  });

  it('record last use at most once a minute', () => {
    expect(shouldTouch(null, NOW)).toBe(true);
    expect(shouldTouch(new Date(NOW.getTime() - 59_999), NOW)).toBe(false);
    expect(shouldTouch(new Date(NOW.getTime() - 60_000), NOW)).toBe(true);
  });
});

describe('tokens create input', () => {
  it('computes expiry from whole days and defaults the name', () => {
    expect(parseApiTokenInput({ role: 'admin', expiresDays: '30' }, NOW)).toEqual({
      role: 'admin',
      name: 'admin token 2025-06-01',
      expiresAt: new Date('2025-07-01T12:00:00Z'),
    });
    expect(parseApiTokenInput({ role: 'viewer', name: ' ci ' }, NOW)).toEqual({
      role: 'viewer',
      name: 'ci',
      expiresAt: null,
    });
  });

  it('lists every problem with the allowed values', () => {
    expect(() =>
      parseApiTokenInput({ role: 'root', expiresDays: '1.5' }, NOW),
    ).toThrowErrorMatchingInlineSnapshot(
      `[KgdbError: role: expected one of viewer, curator, admin, got 'root'; expires-days: expected a whole number 1..3650, got '1.5']`,
    );
    expect(() => parseApiTokenInput({ role: 'admin', expiresDays: 0 }, NOW)).toThrow(/expires-days/);
  });
});

describe('Authorization header', () => {
  it('reads Bearer tokens, scheme case-insensitively', () => {
    expect(parseBearer(undefined)).toEqual({ kind: 'none' });
    expect(parseBearer('')).toEqual({ kind: 'none' });
    expect(parseBearer('Bearer abc.def')).toEqual({ kind: 'token', token: 'abc.def' });
    expect(parseBearer('bearer kgdb_x')).toEqual({ kind: 'token', token: 'kgdb_x' });
  });

  it('calls anything else invalid', () => {
    for (const header of ['Basic dXNlcjpwdw==', 'Bearer', 'Bearer a b', 'Token x']) {
      expect(parseBearer(header).kind).toBe('invalid');
    }
  });
});

describe('roles', () => {
  it('admin > curator > viewer', () => {
    expect(ROLES).toEqual(['viewer', 'curator', 'admin']);
    expect(hasRole('admin', 'admin')).toBe(true);
    expect(hasRole('admin', 'viewer')).toBe(true);
    expect(hasRole('curator', 'admin')).toBe(false);
    expect(hasRole('viewer', 'curator')).toBe(false);
    expect(isRole('admin')).toBe(true);
    expect(isRole('root')).toBe(false);
    expect(isRole(undefined)).toBe(false);
  });

  it('401 without credentials, 403 below the required role, public routes open', () => {
    expect(accessVerdict(undefined, undefined)).toEqual({ kind: 'allow' });
    expect(accessVerdict('viewer', undefined)).toEqual({ kind: 'allow' });
    expect(accessVerdict(undefined, 'admin')).toEqual({ kind: 'unauthenticated' });
    expect(accessVerdict('viewer', 'admin')).toEqual({ kind: 'forbidden', have: 'viewer' });
    expect(accessVerdict('curator', 'admin')).toEqual({ kind: 'forbidden', have: 'curator' });
    expect(accessVerdict('admin', 'admin')).toEqual({ kind: 'allow' });
  });

  it("report upstream's permission lists", () => {
    expect(ROLE_PERMISSIONS.viewer).toEqual(['genes:read', 'annotations:read']);
    expect(ROLE_PERMISSIONS.admin).toContain('system:manage');
  });
});

describe('users create input', () => {
  it('derives the username from the email', () => {
    expect(usernameFromEmail('jane.doe+kgdb@example.org')).toBe('jane_doe_kgdb');
    expect(parseNewUser({ email: 'jane@example.org', role: 'curator' })).toEqual({
      email: 'jane@example.org',
      role: 'curator',
      username: 'jane',
      password: undefined,
      full_name: null,
    });
  });

  it('lists every problem with the allowed values', () => {
    let caught: unknown;
    try {
      parseNewUser({ email: 'not-an-email', role: 'superuser', username: 'a b', password: 'short' });
    } catch (raw) {
      caught = raw;
    }
    expect(caught).toBeInstanceOf(KgdbError);
    expect((caught as KgdbError).code).toBe('INVALID_INPUT');
    expect((caught as KgdbError).parameter).toBe('email');
    expect((caught as KgdbError).message).toMatchInlineSnapshot(
      `"email: expected an address like name@example.org, got 'not-an-email'; role: expected one of viewer, curator, admin, got 'superuser'; username: expected 3..50 letters, digits, '_' or '-', got 'a b'; password: expected 8..1024 characters, got 5"`,
    );
  });

  it('asks for a username when the email cannot supply one', () => {
    expect(() => parseNewUser({ email: 'ab@example.org', role: 'viewer' })).toThrow(
      "username: expected 3..50 letters, digits, '_' or '-', got 'ab' (from the email; pass a username)",
    );
  });
});

describe('login body', () => {
  it("takes upstream's form username (a username or an email) or a JSON email", () => {
    expect(toLoginCredentials({ username: 'jane', password: 'p' })).toEqual({ login: 'jane', password: 'p' });
    expect(toLoginCredentials({ email: 'j@x.org', password: 'p' })).toEqual({
      login: 'j@x.org',
      password: 'p',
    });
    expect(() => toLoginCredentials({ password: 'p' })).toThrow(/Send 'username'/);
  });
});
