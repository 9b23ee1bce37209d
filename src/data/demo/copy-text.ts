/**
 * PostgreSQL COPY text format (the default of `COPY … FROM STDIN`): columns separated by a tab, rows ended
 * by a newline, NULL written as \N, and backslash, newline, carriage return and tab escaped with a
 * backslash. NUL cannot be represented at all (PostgreSQL text cannot hold it), so it is rejected.
 */
export type CopyValue = string | number | boolean | null | undefined;

const NEEDS_ESCAPE = /[\\\n\r\t]/;
const ESCAPES: Readonly<Record<string, string>> = { '\\': '\\\\', '\n': '\\n', '\r': '\\r', '\t': '\\t' };

export function copyField(value: CopyValue): string {
  if (value === null || value === undefined) return '\\N';
  if (typeof value !== 'string') {
    if (typeof value === 'number' && !Number.isFinite(value))
      throw new Error(`COPY value is not finite: ${value}`);
    return String(value);
  }
  if (value.includes('\0')) throw new Error('COPY text cannot carry a NUL character');
  return NEEDS_ESCAPE.test(value) ? value.replace(/[\\\n\r\t]/g, (c) => ESCAPES[c] as string) : value;
}

/** One COPY line, newline included. */
export function copyRow(values: readonly CopyValue[]): string {
  let line = '';
  for (let i = 0; i < values.length; i++) line += (i === 0 ? '' : '\t') + copyField(values[i]);
  return `${line}\n`;
}

/** A text[] literal ({"a","b"}): every element quoted, with " and \ backslash-escaped inside quotes. */
export function textArrayLiteral(items: readonly string[]): string {
  return `{${items.map((s) => `"${s.replace(/["\\]/g, '\\$&')}"`).join(',')}}`;
}

/** A jsonb value as COPY expects it: the JSON text (copyField escapes its backslashes). */
export function jsonText(value: unknown): string {
  return JSON.stringify(value);
}

const TWO_DIGITS = Array.from({ length: 100 }, (_, i) => String(i).padStart(2, '0'));
const THREE_DIGITS = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));

/**
 * Epoch milliseconds as ISO 8601 UTC, exactly what Date.prototype.toISOString prints for years 1000..9999,
 * without allocating a Date: ~5× faster, which matters at 5 million log rows. The civil date comes from
 * Howard Hinnant's days-to-civil algorithm (proleptic Gregorian calendar, eras of 400 years).
 */
export function isoTimestamp(ms: number): string {
  const days = Math.floor(ms / 86_400_000);
  let rest = ms - days * 86_400_000;
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  const hour = Math.floor(rest / 3_600_000);
  rest -= hour * 3_600_000;
  const minute = Math.floor(rest / 60_000);
  rest -= minute * 60_000;
  const second = Math.floor(rest / 1000);
  return `${year}-${TWO_DIGITS[month]}-${TWO_DIGITS[day]}T${TWO_DIGITS[hour]}:${TWO_DIGITS[minute]}:${TWO_DIGITS[second]}.${THREE_DIGITS[rest - second * 1000]}Z`;
}
