/** LIKE patterns for the admin log source filter: plain string escaping, no SQL. */

/** `%`, `_` and `\` in a contains-filter are literal characters, not LIKE wildcards. */
export function escapeLike(raw: string): string {
  return raw.replace(/[\\%_]/g, (c) => `\\${c}`);
}

export const containsPattern = (raw: string): string => `%${escapeLike(raw)}%`;
