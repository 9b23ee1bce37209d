/** The parts of a request stickiness reads; a Fastify request fits (`{ userId, headers: req.headers, ip: req.ip }`). */
export interface StickinessSource {
  userId?: number | string | null;
  headers: Record<string, string | string[] | undefined>;
  ip?: string | null;
}

const STICKINESS_KINDS = ['user', 'client', 'address', 'none'] as const;
export type StickinessKind = (typeof STICKINESS_KINDS)[number];

/** Longer client ids are ignored (fall through to the address) rather than hashed: no unbounded input. */
const MAX_CLIENT_ID = 200;

/**
 * Who the caller is for bucketing: the user id, else the `X-Client-Id` header, else the client address.
 * The kind prefixes the key, so a client sending `X-Client-Id: 42` never shares a bucket with user 42.
 */
export function stickinessKeyOf(source: StickinessSource): { key: string; kind: StickinessKind } {
  const userId = source.userId;
  if (userId !== undefined && userId !== null && `${userId}` !== '') {
    return { key: `user:${userId}`, kind: 'user' };
  }
  const raw = source.headers['x-client-id'];
  const clientId = (Array.isArray(raw) ? raw[0] : raw)?.trim();
  if (clientId && clientId.length <= MAX_CLIENT_ID) return { key: `client:${clientId}`, kind: 'client' };
  if (source.ip) return { key: `address:${source.ip}`, kind: 'address' };
  return { key: '', kind: 'none' };
}
