import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SCRYPT,
  decodePasswordHash,
  encodePasswordHash,
  generatePassword,
  hashPassword,
  type ScryptParams,
  verifyPassword,
} from '../../src/auth/passwords.js';

// Cheap parameters keep the round-trip cases fast; one case pays for the real defaults.
const FAST: ScryptParams = { ln: 10, r: 8, p: 1 };

describe('password hashing (scrypt, self-describing)', () => {
  it('round-trips with the default parameters and encodes them in the hash', async () => {
    const encoded = await hashPassword('correct horse battery staple');
    expect(encoded).toMatch(/^\$scrypt\$ln=16,r=8,p=2\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    expect(decodePasswordHash(encoded).params).toEqual(DEFAULT_SCRYPT);
    expect(await verifyPassword('correct horse battery staple', encoded)).toBe(true);
  });

  it('rejects a wrong password, a different case and a prefix', async () => {
    const encoded = await hashPassword('S3cret-pass', FAST);
    expect(await verifyPassword('S3cret-pass', encoded)).toBe(true);
    expect(await verifyPassword('s3cret-pass', encoded)).toBe(false);
    expect(await verifyPassword('S3cret-pas', encoded)).toBe(false);
    expect(await verifyPassword('', encoded)).toBe(false);
  });

  it('salts every hash: the same password hashes differently', async () => {
    const [a, b] = await Promise.all([hashPassword('same', FAST), hashPassword('same', FAST)]);
    expect(a).not.toBe(b);
    expect(decodePasswordHash(a).salt.equals(decodePasswordHash(b).salt)).toBe(false);
  });

  it('verifies with the parameters stored in the hash, not the current defaults', async () => {
    const encoded = await hashPassword('older hash', { ln: 11, r: 4, p: 3 });
    expect(encoded.startsWith('$scrypt$ln=11,r=4,p=3$')).toBe(true);
    expect(await verifyPassword('older hash', encoded)).toBe(true);
  });

  it('encode/decode are inverse', () => {
    const hash = { params: FAST, salt: Buffer.alloc(16, 1), key: Buffer.alloc(32, 2) };
    expect(decodePasswordHash(encodePasswordHash(hash))).toEqual(hash);
  });

  it('refuses foreign formats and parameters beyond the cost limits', async () => {
    expect(() => decodePasswordHash('$2b$12$abcdefghijklmnopqrstuv')).toThrowErrorMatchingInlineSnapshot(
      `[Error: unsupported password hash format '$2b$12$abc…' (expected $scrypt$…)]`,
    );
    const huge = encodePasswordHash({
      params: { ln: 22, r: 8, p: 1 },
      salt: Buffer.alloc(16),
      key: Buffer.alloc(32),
    });
    expect(() => decodePasswordHash(huge)).toThrow(/out of range/);
    await expect(verifyPassword('x', 'plain-text')).rejects.toThrow(/unsupported password hash format/);
  });

  it('generates strong URL-safe passwords', () => {
    const passwords = new Set(Array.from({ length: 50 }, generatePassword));
    expect(passwords.size).toBe(50);
    for (const p of passwords) expect(p).toMatch(/^[A-Za-z0-9_-]{24}$/);
  });
});
