import { createHash } from 'node:crypto';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * A response body as sent, with its validator and, when it is worth it, compressed forms, all computed once:
 * the unit a cache keeps so that answering again costs neither serialization nor compression.
 */
export interface Representation {
  identity: Encoded;
  /**
   * The compressed forms in the server's order of preference (br, then gzip); empty when not compressed. Made
   * on the first call, by the first request that accepts an encoding: a cache miss answering a client that
   * asks for none (or the one request an entry ever gets) costs no compression.
   */
  encoded(): readonly Encoded[];
  /** Whether compressed forms exist or will be made on demand. */
  compressible: boolean;
}

interface Encoded {
  /** Content-Encoding; undefined for the body as serialized. */
  coding?: 'br' | 'gzip';
  body: Buffer;
  /** Strong validator of exactly these bytes (RFC 9110 §8.8.3). */
  etag: string;
}

/**
 * Clients and proxies may store these answers but must ask again before every use (with If-None-Match, which
 * costs a 304). Anything longer would let them serve data older than the server itself would: the server's
 * cache follows the database by NOTIFY within milliseconds but without a guaranteed bound, and reads from
 * PostgreSQL while it cannot follow, so there is no max-age it could promise (docs/api.md, "Caching and
 * conditional requests").
 */
const CACHE_CONTROL = 'no-cache';
const JSON_TYPE = 'application/json; charset=utf-8';

/** Smaller bodies are sent as they are: compression would save a few hundred bytes at most. */
const MIN_COMPRESSED_BYTES = 1024;

/** Brotli 5 and gzip 6: most of the size gain for ~1 ms on an 8 kB page (quality 11 takes ~40 ms). */
const BROTLI_QUALITY = 5;

/** `"<SHA-256 of the body, base64url>"`: equal bodies have equal tags, on every instance. */
function entityTag(body: Buffer): string {
  return `"${createHash('sha256').update(body).digest('base64url')}"`;
}

/**
 * The body and its validator; with `compress`, also its brotli and gzip forms, each with the identity tag
 * suffixed by its coding (a different representation needs a different strong validator, RFC 9110 §8.8.3).
 * Compression output is deterministic for a given body, so instances of one release agree on every tag.
 */
export function represent(
  serialized: string | Buffer | ArrayBuffer,
  options: { compress: boolean },
): Representation {
  const body =
    typeof serialized === 'string'
      ? Buffer.from(serialized)
      : Buffer.isBuffer(serialized)
        ? serialized
        : Buffer.from(serialized);
  const etag = entityTag(body);
  const identity = { body, etag };
  if (!options.compress || body.length < MIN_COMPRESSED_BYTES) {
    return { identity, encoded: () => [], compressible: false };
  }
  let encoded: readonly Encoded[] | undefined;
  return {
    identity,
    encoded: () => {
      encoded ??= compressedForms(body, etag);
      return encoded;
    },
    compressible: true,
  };
}

function compressedForms(body: Buffer, etag: string): Encoded[] {
  const tagged = (coding: 'br' | 'gzip', compressed: Buffer): Encoded => ({
    coding,
    body: compressed,
    etag: `${etag.slice(0, -1)}-${coding}"`,
  });
  return [
    tagged(
      'br',
      brotliCompressSync(body, {
        params: {
          [constants.BROTLI_PARAM_QUALITY]: BROTLI_QUALITY,
          [constants.BROTLI_PARAM_SIZE_HINT]: body.length,
          [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
        },
      }),
    ),
    tagged('gzip', gzipSync(body)),
  ].filter((e) => e.body.length < body.length);
}

/**
 * What a representation occupies, counted when it is stored: its body, plus, when it may be compressed later,
 * half the body for both compressed forms (each is about a fifth of a JSON body), so the cache's byte limit
 * holds without recounting when a form is made.
 */
export const representationBytes = (r: Representation): number =>
  r.identity.body.length + (r.compressible ? Math.ceil(r.identity.body.length / 2) : 0);

/** A qvalue (RFC 9110 §12.4.2): 0 to 1 with at most three decimals. */
const QVALUE = /^\s*(?:0(?:\.\d{0,3})?|1(?:\.0{0,3})?)\s*$/;

/** The weight (q) of each coding the Accept-Encoding field names, lower-cased; malformed entries are skipped. */
function acceptedCodings(header: string): Map<string, number> {
  const weights = new Map<string, number>();
  for (const member of header.split(',')) {
    const [name = '', ...params] = member.split(';');
    let q = 1;
    for (const param of params) {
      const [key = '', value = ''] = param.split('=');
      if (key.trim().toLowerCase() === 'q') q = QVALUE.test(value) ? Number(value) : Number.NaN;
    }
    const coding = name.trim().toLowerCase();
    if (coding !== '' && !Number.isNaN(q)) weights.set(coding === 'x-gzip' ? 'gzip' : coding, q);
  }
  return weights;
}

/**
 * The form to send, RFC 9110 §12.5.3: a coding weighs what its entry says, else what `*` says; one not named
 * is not acceptable, except identity, which is unless refused. The acceptable form with the highest weight
 * wins, ties going to the server's preference (compressed first).
 */
function negotiate(header: string | undefined, representation: Representation): Encoded {
  const { identity } = representation;
  if (header === undefined || !representation.compressible) return identity;
  const encoded = representation.encoded();
  const weights = acceptedCodings(header);
  const any = weights.get('*');
  let chosen = identity;
  let weight = weights.get('identity') ?? any ?? 1;
  for (const candidate of encoded) {
    const w = weights.get(candidate.coding as string) ?? any ?? 0;
    if (w > 0 && (w > weight || (w === weight && chosen === identity))) {
      chosen = candidate;
      weight = w;
    }
  }
  return chosen;
}

const ENTITY_TAG = /(?:W\/)?("[^"]*")/g;

/**
 * If-None-Match against the selected representation's tag, RFC 9110 §13.1.2: `*` matches any current
 * representation; otherwise any tag of the list matches under weak comparison (a W/ prefix on either side
 * is ignored).
 */
export function noneMatch(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  if (header === etag || header.trim() === '*') return true;
  const opaque = etag.startsWith('W/') ? etag.slice(2) : etag;
  for (const [, tag] of header.matchAll(ENTITY_TAG)) if (tag === opaque) return true;
  return false;
}

/**
 * Sends a JSON representation: the encoding Accept-Encoding prefers, its ETag, Cache-Control and
 * `Vary: Accept-Encoding` (on every answer, since another request may get another encoding), or a 304 with
 * those headers and no body when If-None-Match matches the tag of the form that would be sent.
 */
export function sendRepresentation(
  request: FastifyRequest,
  reply: FastifyReply,
  representation: Representation,
): FastifyReply {
  const chosen = negotiate(request.headers['accept-encoding'], representation);
  reply.header('etag', chosen.etag).header('cache-control', CACHE_CONTROL).header('vary', 'Accept-Encoding');
  if (noneMatch(request.headers['if-none-match'], chosen.etag)) return reply.code(304).send();
  if (chosen.coding) reply.header('content-encoding', chosen.coding);
  return reply.type(JSON_TYPE).send(chosen.body);
}
