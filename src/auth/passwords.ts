import { randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from 'node:crypto';

/**
 * Password hashes are PHC-style strings that carry their own parameters and salt:
 * `$scrypt$ln=16,r=8,p=2$<salt, base64 without padding>$<key, base64 without padding>`.
 * Raising the defaults later only affects new hashes; old ones still verify with what they say.
 */
export interface ScryptParams {
  /** log2 of the CPU/memory cost N. */
  ln: number;
  /** Block size. */
  r: number;
  /** Parallelism (Node runs the lanes one after another, so p multiplies time, not memory). */
  p: number;
}

// OWASP's scrypt table lists N=2^16, r=8, p=2 as equal to its N=2^17, p=1 minimum: 64 MiB per hash
// (128·N·r bytes) instead of 128 MiB, ≈ 340 ms on the 2-core test machine. Four libuv threads hashing at
// once stay at 256 MiB.
export const DEFAULT_SCRYPT: ScryptParams = Object.freeze({ ln: 16, r: 8, p: 2 });

const SALT_BYTES = 16;
const KEY_BYTES = 32;
// A stored hash is data: refuse parameters that would let one row cost more than 256 MiB or 16 lanes.
const MAX_MEMORY_BYTES = 256 * 1024 * 1024;
const MAX_P = 16;

export interface PasswordHash {
  params: ScryptParams;
  salt: Buffer;
  key: Buffer;
}

const b64 = (buf: Buffer) => buf.toString('base64').replace(/=+$/, '');

export function encodePasswordHash({ params, salt, key }: PasswordHash): string {
  return `$scrypt$ln=${params.ln},r=${params.r},p=${params.p}$${b64(salt)}$${b64(key)}`;
}

const memoryOf = ({ ln, r }: ScryptParams) => 128 * 2 ** ln * r;

/** Parses an encoded hash; throws on anything that is not a kgdb scrypt hash within the cost limits. */
export function decodePasswordHash(encoded: string): PasswordHash {
  const m = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/.exec(
    encoded,
  );
  if (!m) throw new Error(`unsupported password hash format '${encoded.slice(0, 10)}…' (expected $scrypt$…)`);
  const params: ScryptParams = { ln: Number(m[1]), r: Number(m[2]), p: Number(m[3]) };
  if (
    params.ln < 1 ||
    params.r < 1 ||
    params.p < 1 ||
    params.p > MAX_P ||
    memoryOf(params) > MAX_MEMORY_BYTES
  ) {
    throw new Error(`password hash parameters out of range: ln=${params.ln}, r=${params.r}, p=${params.p}`);
  }
  const salt = Buffer.from(m[4] ?? '', 'base64');
  const key = Buffer.from(m[5] ?? '', 'base64');
  if (salt.length < 8 || key.length < 16) throw new Error('password hash salt or key too short');
  return { params, salt, key };
}

function derive(password: string, salt: Buffer, params: ScryptParams, length: number): Promise<Buffer> {
  const options: ScryptOptions = {
    N: 2 ** params.ln,
    r: params.r,
    p: params.p,
    // Node refuses when 128·N·r exceeds maxmem (32 MiB by default); leave headroom above that.
    maxmem: 2 * memoryOf(params),
  };
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFKC'), salt, length, options, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

export async function hashPassword(password: string, params: ScryptParams = DEFAULT_SCRYPT): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, params, KEY_BYTES);
  return encodePasswordHash({ params, salt, key });
}

/** Recomputes with the stored parameters and compares in constant time; throws on a malformed hash. */
export async function verifyPassword(password: string, encoded: string): Promise<boolean> {
  const { params, salt, key } = decodePasswordHash(encoded);
  const candidate = await derive(password, salt, params, key.length);
  return timingSafeEqual(candidate, key);
}

/** A strong password for `kgdb users create` without --password: 18 random bytes, 24 URL-safe characters. */
export function generatePassword(): string {
  return randomBytes(18).toString('base64url');
}
