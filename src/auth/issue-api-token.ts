import type { Queryable } from '../db/pool.js';
import { KgdbError } from '../errors.js';
import { generateApiToken, hashApiToken, tokenDisplayPrefix } from './api-token.js';
import { createApiTokenRepository } from './api-token-repository.js';
import type { ApiToken } from './auth-types.js';
import { isRole, ROLES, type Role } from './roles.js';

export interface ApiTokenInput {
  role?: string | undefined;
  name?: string | undefined;
  /** Whole days until expiry, 1..3650 (a CLI string is fine); undefined = never expires. */
  expiresDays?: number | string | undefined;
}

export interface ValidApiTokenInput {
  role: Role;
  name: string;
  expiresAt: Date | null;
}

export interface IssuedApiToken {
  /** The secret itself: shown once, stored only as its SHA-256. */
  token: string;
  record: ApiToken;
}

export const MAX_EXPIRES_DAYS = 3650;
const DAY_MS = 86_400_000;

function parseDays(raw: number | string): number | undefined {
  const days = typeof raw === 'number' ? raw : /^\d+$/.test(raw.trim()) ? Number(raw) : Number.NaN;
  return Number.isInteger(days) && days >= 1 && days <= MAX_EXPIRES_DAYS ? days : undefined;
}

/** Validates everything at once; one INVALID_INPUT lists every problem and the allowed values. */
export function parseApiTokenInput(input: ApiTokenInput, now: Date): ValidApiTokenInput {
  const problems: [string, string][] = [];
  if (!isRole(input.role))
    problems.push(['role', `expected one of ${ROLES.join(', ')}, got '${input.role ?? ''}'`]);
  const days = input.expiresDays === undefined ? undefined : parseDays(input.expiresDays);
  if (input.expiresDays !== undefined && days === undefined) {
    problems.push([
      'expires-days',
      `expected a whole number 1..${MAX_EXPIRES_DAYS}, got '${input.expiresDays}'`,
    ]);
  }
  const name = input.name?.trim() || `${input.role ?? 'token'} token ${now.toISOString().slice(0, 10)}`;
  if (name.length > 200) problems.push(['name', 'expected at most 200 characters']);
  const role = input.role;
  if (problems.length > 0 || !isRole(role)) {
    throw new KgdbError('INVALID_INPUT', {
      parameter: problems[0]?.[0],
      detail: problems.map(([p, m]) => `${p}: ${m}`).join('; '),
    });
  }
  return { role, name, expiresAt: days === undefined ? null : new Date(now.getTime() + days * DAY_MS) };
}

/** The library side of `kgdb tokens create`: validate, generate, store the hash, return the token once. */
export async function issueApiToken(
  db: Queryable,
  input: ApiTokenInput,
  now: Date = new Date(),
): Promise<IssuedApiToken> {
  const valid = parseApiTokenInput(input, now);
  const token = generateApiToken();
  const record = await createApiTokenRepository(db).create({
    name: valid.name,
    role: valid.role,
    token_hash: hashApiToken(token),
    display_prefix: tokenDisplayPrefix(token),
    expires_at: valid.expiresAt,
  });
  return { token, record };
}
