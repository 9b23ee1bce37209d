import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashApiToken } from '../../src/auth/api-token.js';
import { createApiTokenRepository } from '../../src/auth/api-token-repository.js';
import { issueApiToken } from '../../src/auth/issue-api-token.js';
import { resolveJwtSecret } from '../../src/auth/jwt-secret.js';
import { formatTokenCreated, formatTokenList } from '../../src/cli/commands/tokens.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { bearer, buildAuthTestApp } from './auth-test-kit.js';

let db: TestDatabase;
let app: FastifyInstance;
const DAY_MS = 86_400_000;

beforeAll(async () => {
  db = await createTestDatabase();
  ({ app } = await buildAuthTestApp(db.pool));
  // A throwaway admin route: the real ones arrive with other features.
  app.get('/api/admin/__token_probe', async (request) => ({
    principal: request.user?.kind,
    role: request.user?.role,
  }));
  await app.ready();
});
afterAll(async () => {
  await app.close();
  await db.drop();
});

const probe = (headers: Record<string, string>) =>
  app.inject({ method: 'GET', url: '/api/admin/__token_probe', headers });

describe('API tokens (kgdb tokens create)', () => {
  it('a token from the CLI library function works as a Bearer credential', async () => {
    const issued = await issueApiToken(db.pool, { role: 'admin', name: 'deploy script' });
    const res = await probe(bearer(issued.token));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ principal: 'api_token', role: 'admin' });
  });

  it('stores only the SHA-256 and a display prefix, never the token', async () => {
    const { token, record } = await issueApiToken(db.pool, { role: 'viewer' });
    const { rows } = await db.pool.query('select * from api_tokens where id = $1', [record.id]);
    const row = rows[0];
    expect(row.token_hash).toBe(hashApiToken(token));
    expect(row.display_prefix).toBe(token.slice(0, 13));
    expect(JSON.stringify(row)).not.toContain(token);
  });

  it('records last use', async () => {
    const { token, record } = await issueApiToken(db.pool, { role: 'admin' });
    expect(record.last_used_at).toBeNull();
    await probe(bearer(token));
    await expect
      .poll(
        async () => (await createApiTokenRepository(db.pool).findByHash(hashApiToken(token)))?.last_used_at,
      )
      .toBeInstanceOf(Date);
  });

  it('answers 401 in the envelope for revoked, expired and unknown tokens', async () => {
    const repo = createApiTokenRepository(db.pool);
    const revoked = await issueApiToken(db.pool, { role: 'admin' });
    expect((await probe(bearer(revoked.token))).statusCode).toBe(200);
    await repo.revoke(revoked.record.id);
    const expired = await issueApiToken(
      db.pool,
      { role: 'admin', expiresDays: 1 },
      new Date(Date.now() - 2 * DAY_MS),
    );

    const cases = [
      [revoked.token, /has been revoked$/],
      [expired.token, /expired at /],
      ['kgdb_thisTokenWasNeverIssuedByAnyoneAtAll0000000', /^Unknown API token$/],
    ] as const;
    for (const [token, detail] of cases) {
      const res = await probe(bearer(token));
      expect(res.statusCode, token).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
      expect(res.json().error).toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
      expect(res.json().error.detail).toMatch(detail);
    }
  });

  it('a token with a future expiry works until then', async () => {
    const { token, record } = await issueApiToken(db.pool, { role: 'admin', expiresDays: 7 });
    expect(record.expires_at?.getTime()).toBeGreaterThan(Date.now() + 6 * DAY_MS);
    expect((await probe(bearer(token))).statusCode).toBe(200);
  });

  it('API tokens are not users: /api/auth/me answers 403', async () => {
    const { token } = await issueApiToken(db.pool, { role: 'admin' });
    const res = await app.inject({ method: 'GET', url: '/api/auth/me', headers: bearer(token) });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.detail).toMatch(/API tokens belong to no user/);
  });
});

describe('kgdb tokens output', () => {
  it('prints the token alone on the last stdout line', async () => {
    const issued = await issueApiToken(db.pool, { role: 'admin', name: 'ci', expiresDays: '30' });
    const lines = formatTokenCreated(issued).trimEnd().split('\n');
    expect(lines.at(-1)).toBe(issued.token);
    expect(lines.at(-1)).toMatch(/^kgdb_[A-Za-z0-9_-]{43}$/);
    expect(lines[0]).toMatch(/^created API token \d+ 'ci': role admin, expires \d{4}-/);
  });

  it('lists tokens with status and prefix, never the secret', async () => {
    const issued = await issueApiToken(db.pool, { role: 'curator', name: 'listed' });
    const out = formatTokenList(await createApiTokenRepository(db.pool).list(), new Date());
    expect(out).toContain(`${issued.record.display_prefix}…\tcurator\tactive`);
    expect(out).not.toContain(issued.token);
  });
});

describe('JWT secret (kgdb_secrets)', () => {
  it('is generated once and shared by every instance on the database; JWT_SECRET overrides', async () => {
    const secrets = await Promise.all([1, 2, 3, 4].map(() => resolveJwtSecret(db.pool, undefined)));
    expect(new Set(secrets).size).toBe(1);
    expect(secrets[0]?.length).toBeGreaterThanOrEqual(64);
    expect(await resolveJwtSecret(db.pool, undefined)).toBe(secrets[0]);
    expect(await resolveJwtSecret(db.pool, 'x'.repeat(40))).toBe('x'.repeat(40));
  });
});
