import { createHash } from 'node:crypto';

/** Keys longer than this are stored as `h:<sha256 hex>` (a 5,000-id filter would make a 30 kB Redis key). */
export const MAX_PLAIN_KEY_LENGTH = 200;

/** Namespace names end up in Redis keys and metric labels: lower-case identifiers only. */
export const NAMESPACE_PATTERN = /^[a-z][a-z0-9_]{0,62}$/;

/**
 * JSON with object keys sorted at every depth and `undefined` members dropped, so two requests that differ
 * only in parameter order give the same text. Arrays keep their order: callers sort the ones whose order
 * carries no meaning (an OR list of tiers) before building the key. Pure.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) return 'null';
    return JSON.stringify(value) ?? 'null';
  }
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v ?? null)).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** The key stored for `value`: its canonical JSON, or a digest of it when that is long. Pure. */
export function cacheKey(value: unknown): string {
  const text = typeof value === 'string' ? value : canonicalJson(value);
  if (text.length <= MAX_PLAIN_KEY_LENGTH) return text;
  return `h:${createHash('sha256').update(text).digest('hex')}`;
}

/** A set-valued parameter (an OR list) in key form: sorted and deduplicated, so its order never splits a key. */
export const keySet = <T extends string | number>(values: readonly T[] | undefined): T[] | undefined =>
  values === undefined ? undefined : [...new Set(values)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
