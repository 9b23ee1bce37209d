import { createHash, timingSafeEqual } from 'node:crypto';

export type BearerCredentials =
  | { kind: 'none' }
  | { kind: 'invalid'; detail: string }
  | { kind: 'token'; token: string };

/** Reads `Authorization: Bearer <token>` (scheme case-insensitive, RFC 6750); anything else is invalid. */
export function parseBearer(header: string | undefined): BearerCredentials {
  if (header === undefined || header.trim() === '') return { kind: 'none' };
  const m = /^Bearer +([^\s]+) *$/i.exec(header);
  if (!m?.[1]) {
    return { kind: 'invalid', detail: "Authorization header must be 'Bearer <token>'" };
  }
  return { kind: 'token', token: m[1] };
}

/**
 * Compares a presented secret with the expected one in constant time: both are hashed first, so neither
 * the position of the first differing byte nor a difference in length shows in the time taken.
 */
export function sameSecret(given: string, expected: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(expected));
}
