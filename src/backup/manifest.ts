import type { KgdbError } from '../errors.js';
import { ARCHIVE_FORMAT, MANIFEST_ENTRY } from './archive-format.js';
import { fileError } from './file-error.js';

/** One table's entry: what was copied and how to recognise it intact. */
export interface TableManifest {
  name: string;
  /** The columns of the COPY, in order (generated columns are never copied). */
  columns: string[];
  rows: number;
  /** Size of the COPY text (the entry, uncompressed). */
  bytes: number;
  /** sha256 of the COPY text, hex. */
  sha256: string;
}

/** A sequence's state at the snapshot, as setval(name, last_value, is_called) puts it back. */
export interface SequenceManifest {
  name: string;
  last_value: number;
  is_called: boolean;
}

/** manifest.json, the archive's last entry (archive-format.ts). Keys are snake_case: it is a file format. */
export interface Manifest {
  format_version: number;
  kgdb_version: string;
  /** The latest migration applied to the database backed up (its kgdb_migrations). */
  schema_version: string;
  created_at: string;
  /** In load order: each table after the tables it references. */
  tables: TableManifest[];
  sequences: SequenceManifest[];
  /** Week starts (ISO, UTC) of system_logs' weekly partitions, recreated before its rows are loaded. */
  log_partitions: string[];
}

/** The names a manifest may give tables, columns and sequences: plain lower-case SQL identifiers. */
const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;
const SHA256 = /^[0-9a-f]{64}$/;
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/;

function invalid(detail: string): KgdbError {
  return fileError(`${MANIFEST_ENTRY}: ${detail}`);
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function field<T>(obj: Json, key: string, where: string, check: (v: unknown) => v is T, what: string): T {
  const value = obj[key];
  if (!check(value))
    throw invalid(`${where}${key} must be ${what}, got ${JSON.stringify(value) ?? 'nothing'}`);
  return value;
}

const isString = (v: unknown): v is string => typeof v === 'string' && v.length > 0;
const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const isInteger = (v: unknown): v is number => Number.isSafeInteger(v);
const isBoolean = (v: unknown): v is boolean => typeof v === 'boolean';
const isIdentifier = (v: unknown): v is string => typeof v === 'string' && IDENTIFIER.test(v);
const isSha256 = (v: unknown): v is string => typeof v === 'string' && SHA256.test(v);
const isIsoUtc = (v: unknown): v is string =>
  typeof v === 'string' && ISO_UTC.test(v) && !Number.isNaN(Date.parse(v));
const isArray = (v: unknown): v is unknown[] => Array.isArray(v);

function list<T>(obj: Json, key: string, parse: (item: unknown, where: string) => T): T[] {
  return field(obj, key, '', isArray, 'an array').map((item, i) => parse(item, `${key}[${i}].`));
}

function table(item: unknown, where: string): TableManifest {
  if (!isObject(item)) throw invalid(`${where.slice(0, -1)} must be an object`);
  const columns = field(item, 'columns', where, isArray, 'an array of column names');
  if (columns.length === 0 || !columns.every(isIdentifier)) {
    throw invalid(`${where}columns must be a non-empty array of lower-case SQL identifiers`);
  }
  if (new Set(columns).size !== columns.length) throw invalid(`${where}columns names a column twice`);
  return {
    name: field(item, 'name', where, isIdentifier, 'a lower-case SQL identifier'),
    columns: columns as string[],
    rows: field(item, 'rows', where, isCount, 'a whole number ≥ 0'),
    bytes: field(item, 'bytes', where, isCount, 'a whole number ≥ 0'),
    sha256: field(item, 'sha256', where, isSha256, '64 lower-case hex digits'),
  };
}

function sequence(item: unknown, where: string): SequenceManifest {
  if (!isObject(item)) throw invalid(`${where.slice(0, -1)} must be an object`);
  return {
    name: field(item, 'name', where, isIdentifier, 'a lower-case SQL identifier'),
    last_value: field(item, 'last_value', where, isInteger, 'a whole number'),
    is_called: field(item, 'is_called', where, isBoolean, 'true or false'),
  };
}

/**
 * Parses and validates manifest.json: the format version first (a later layout may differ in anything else),
 * then every field, so a restore never acts on a name or number it did not check. Throws INVALID_INPUT naming
 * the field. Pure.
 */
export function parseManifest(text: string): Manifest {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw invalid(`not valid JSON (${(err as Error).message})`);
  }
  if (!isObject(raw)) throw invalid('must be a JSON object');
  if (raw.format_version !== ARCHIVE_FORMAT) {
    throw invalid(
      `format version ${JSON.stringify(raw.format_version) ?? 'missing'} is not one this build reads (it reads ${ARCHIVE_FORMAT})`,
    );
  }
  const tables = list(raw, 'tables', table);
  const names = tables.map((t) => t.name);
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice !== undefined) throw invalid(`tables names ${twice} twice`);
  return {
    format_version: ARCHIVE_FORMAT,
    kgdb_version: field(raw, 'kgdb_version', '', isString, 'a version string'),
    schema_version: field(raw, 'schema_version', '', isString, 'a migration name'),
    created_at: field(raw, 'created_at', '', isIsoUtc, 'an ISO timestamp in UTC'),
    tables,
    sequences: list(raw, 'sequences', sequence),
    log_partitions: list(raw, 'log_partitions', (item, where) => {
      if (!isIsoUtc(item)) throw invalid(`${where.slice(0, -1)} must be an ISO timestamp in UTC`);
      return item;
    }),
  };
}
