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
