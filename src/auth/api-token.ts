import { createHash, randomBytes } from 'node:crypto';

/**
 * API tokens: `kgdb_` + 43 URL-safe characters (32 random bytes). Only their SHA-256 is stored; a plain
 * hash is enough because the token carries 256 bits of entropy (a slow KDF protects low-entropy
 * passwords, not random keys) and lets a request find its row by an indexed equality lookup.
 */
export const API_TOKEN_PREFIX = 'kgdb_';
const TOKEN_BYTES = 32;
/** Characters of the token (after `kgdb_`) kept in clear for lists and logs: enough to tell tokens apart. */
const DISPLAY_CHARS = 8;

export function generateApiToken(): string {
  return `${API_TOKEN_PREFIX}${randomBytes(TOKEN_BYTES).toString('base64url')}`;
}

/** Lower-case hex SHA-256: the value stored in api_tokens.token_hash and looked up on each request. */
export function hashApiToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** True for strings shaped like a kgdb API token (as opposed to a JWT, which has no such prefix). */
export function isApiToken(token: string): boolean {
  return token.startsWith(API_TOKEN_PREFIX);
}

/** The short, non-secret label shown by `kgdb tokens list` and in logs, e.g. `kgdb_Xk3p9QaZ`. */
export function tokenDisplayPrefix(token: string): string {
  return token.slice(0, API_TOKEN_PREFIX.length + DISPLAY_CHARS);
}

export type TokenStatus = 'active' | 'expired' | 'revoked';

/** Whether a stored token may still be used at `now`; revocation wins over expiry. */
export function tokenStatus(
  token: { expires_at: Date | null; revoked_at: Date | null },
  now: Date,
): TokenStatus {
  if (token.revoked_at !== null && token.revoked_at.getTime() <= now.getTime()) return 'revoked';
  if (token.expires_at !== null && token.expires_at.getTime() <= now.getTime()) return 'expired';
  return 'active';
}

/** `last_used_at` is written at most once per this interval, so busy scripts don't update a row per call. */
const LAST_USED_RESOLUTION_MS = 60_000;

export function shouldTouch(lastUsedAt: Date | null, now: Date): boolean {
  return lastUsedAt === null || now.getTime() - lastUsedAt.getTime() >= LAST_USED_RESOLUTION_MS;
}
