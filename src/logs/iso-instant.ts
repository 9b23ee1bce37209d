/**
 * ISO 8601 instants for the log time filters and cursors. Accepted: a date (`2026-10-01`, midnight), a date
 * and time with or without seconds and a fraction (`.` or `,`, up to 9 digits, kept to microseconds like
 * PostgreSQL), and an offset (`Z`, `+02`, `+0200`, `+02:00`). Without an offset the time is UTC, which is how
 * upstream's naive datetimes compared in its UTC database. A `+` that arrived as a space (an unencoded `+` in
 * a query string) is read as `+`.
 */

export interface IsoInstant {
  /** Canonical form, e.g. `2026-10-01T08:00:00.000000+00:00`; PostgreSQL reads it unambiguously. */
  iso: string;
  /** Microseconds since the epoch, for ordering checks. */
  micros: bigint;
}

const PATTERN =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?(?:([Zz])|([+\- ])(\d{2})(?::?(\d{2}))?)?)?$/;

const pad = (n: number, width: number): string => String(n).padStart(width, '0');

/** The instant, or undefined when the text is not a valid ISO 8601 date or date-time. */
export function parseIsoInstant(raw: string): IsoInstant | undefined {
  const m = PATTERN.exec(raw.trim());
  if (!m) return undefined;
  const [, ys, mos, ds, hs = '0', mis = '0', ss = '0', fraction = '', , sign, ohs = '0', omis = '0'] = m;
  const [year, month, day, hour, minute, second] = [ys, mos, ds, hs, mis, ss].map(Number) as number[];
  const [offsetHours, offsetMinutes] = [Number(ohs), Number(omis)];
  if (hour === undefined || minute === undefined || second === undefined) return undefined;
  if (hour > 23 || minute > 59 || second > 59 || offsetHours > 18 || offsetMinutes > 59) return undefined;
  const date = new Date(0);
  // setUTCFullYear, not Date.UTC: Date.UTC maps years 0..99 to 1900..1999.
  date.setUTCFullYear(year ?? 0, (month ?? 0) - 1, day);
  if (
    date.getUTCFullYear() !== year ||
    date.getUTCMonth() !== (month ?? 0) - 1 ||
    date.getUTCDate() !== day
  ) {
    return undefined; // 2026-02-30 and friends roll over in Date; they are not dates.
  }
  const offsetSign = sign === '-' ? -1 : 1;
  const offsetMs = sign ? offsetSign * (offsetHours * 60 + offsetMinutes) * 60_000 : 0;
  date.setUTCHours(hour, minute, second, 0);
  const ms = date.getTime() - offsetMs;
  const micro = Number(fraction.padEnd(6, '0').slice(0, 6));
  const utc = new Date(ms);
  const y = utc.getUTCFullYear();
  if (y < 1 || y > 9999) return undefined;
  const iso =
    `${pad(y, 4)}-${pad(utc.getUTCMonth() + 1, 2)}-${pad(utc.getUTCDate(), 2)}` +
    `T${pad(utc.getUTCHours(), 2)}:${pad(utc.getUTCMinutes(), 2)}:${pad(utc.getUTCSeconds(), 2)}` +
    `.${pad(micro, 6)}+00:00`;
  return { iso, micros: BigInt(ms) * 1000n + BigInt(micro) };
}
