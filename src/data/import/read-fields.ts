import type { JsonObject, PublicationDetail } from './import-types.js';
import type { Fail } from './input-error.js';

const HGNC_ID = /^HGNC:\d+$/i;
const PMID = /^\d+$/;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})/;

export function isRecord(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A value as it appears in a message: JSON, cut at 40 characters so a huge value cannot flood the terminal. */
export function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

/** A required gene symbol, trimmed, its case kept (`C21orf58`). */
export function readSymbol(value: unknown, field: string, fail: Fail): string {
  if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) {
    return fail(`missing ${field}`);
  }
  if (typeof value !== 'string') return fail(`${field} must be a string, got ${show(value)}`);
  return value.trim();
}

/** An optional HGNC id; absent, null and '' mean "none". Normalised to the `HGNC:` prefix. */
export function readHgncId(value: unknown, field: string, fail: Fail): string | null {
  if (value === undefined || value === null || value === '') return null;
  if (typeof value !== 'string' || !HGNC_ID.test(value.trim())) {
    return fail(`${field} ${show(value)} is not an HGNC id (expected HGNC:<digits>)`);
  }
  return `HGNC:${value.trim().slice(5)}`;
}

/** A list of non-empty names (panels, providers), trimmed so ' X' and 'X' count as one. */
export function readNameList(value: unknown, field: string, fail: Fail): string[] {
  if (!Array.isArray(value)) return fail(`${field} must be a list of names, got ${show(value)}`);
  return value.map((item, i) => {
    if (typeof item !== 'string' || item.trim() === '') {
      return fail(`${field}[${i}] must be a non-empty string, got ${show(item)}`);
    }
    return item.trim();
  });
}

export function readOptionalText(value: unknown, field: string, fail: Fail): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') return fail(`${field} must be a string or null, got ${show(value)}`);
  return value;
}

/** A PubMed id as a digit string; upstream files write it as a string, hand-made ones may use a number. */
export function readPmid(value: unknown, field: string, fail: Fail): string {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value > 0) return String(value);
  if (typeof value === 'string' && PMID.test(value.trim())) return value.trim();
  if (value === undefined || value === null) return fail(`missing ${field}`);
  return fail(`${field} must be a PubMed id (digits), got ${show(value)}`);
}

/** The calendar date at the start of a timestamp ('2025-08-24T19:36:00' → '2025-08-24'); null when there is none. */
export function toIsoDate(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const m = ISO_DATE.exec(value.trim());
  if (!m) return null;
  const date = `${m[1]}-${m[2]}-${m[3]}`;
  const parsed = new Date(`${date}T00:00:00Z`);
  // Date rolls 2024-02-30 over to March; a round trip that changes the text means the date does not exist.
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === date ? date : null;
}

/** The latest of some YYYY-MM-DD dates (they sort as text), or null when none is known. */
export function latestDate(dates: Iterable<string | null | undefined>): string | null {
  let latest: string | null = null;
  for (const d of dates) if (d && (latest === null || d > latest)) latest = d;
  return latest;
}

/** A date the user wrote on purpose (JSON Lines evidence_date): exactly YYYY-MM-DD or null. */
export function readIsoDate(value: unknown, field: string, fail: Fail): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value === 'string' && value.length === 10 && toIsoDate(value) === value) return value;
  return fail(`${field} must be a date YYYY-MM-DD or null, got ${show(value)}`);
}

function readAuthors(value: unknown, field: string, fail: Fail): string[] {
  if (value === undefined || value === null) return [];
  if (typeof value === 'string') return [value];
  if (Array.isArray(value) && value.every((a) => typeof a === 'string')) return value;
  return fail(`${field} must be a list of names, got ${show(value)}`);
}

/** The paper metadata kept per PMID; `prefix` names the object in messages ('' for a file's top level). */
export function readPublicationDetail(obj: JsonObject, prefix: string, fail: Fail): PublicationDetail {
  const text = (key: string) => readOptionalText(obj[key], `${prefix}${key}`, fail);
  return {
    title: text('title'),
    authors: readAuthors(obj.authors, `${prefix}authors`, fail),
    journal: text('journal'),
    publication_date: text('publication_date'),
    url: text('url'),
    doi: text('doi'),
  };
}
