import fc from 'fast-check';
import { EVIDENCE_TIERS, SOURCES } from '../../src/genes/gene-repository.js';
import { SORT_FIELDS } from '../../src/genes/gene-sort.js';
import { encodeCursor } from '../../src/logs/log-cursor.js';
import { LOG_SORT_FIELDS, SORT_ORDERS } from '../../src/logs/log-sort.js';

/**
 * Values for the HTTP fuzz test: hostile text (coercion edge cases, NUL, lone surrogates, bad percent-encoding,
 * overflow, overlong), plausible values per parameter (so requests reach the handlers and their SQL), and how
 * they are put into a URL. Pure: no I/O.
 */

/** The part of a JSON schema the generators read (OpenAPI parameter and body field schemas). */
export interface Schema {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  anyOf?: Schema[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  maxLength?: number;
  pattern?: string;
  items?: Schema;
  properties?: Record<string, Schema>;
}

export interface Param {
  name: string;
  schema: Schema;
}

/** Values known to have broken parsers somewhere: coercion edge cases, NUL, bad encodings, overflow. */
export const HOSTILE = [
  'Infinity',
  '-Infinity',
  '+Infinity',
  'NaN',
  '1e400',
  '-1e400',
  '1e308',
  '1e-400',
  '9223372036854775807',
  '9223372036854775808',
  '-9223372036854775809',
  '9007199254740993',
  '2147483648',
  '99999999999999999999999',
  '-0',
  '0x10',
  '0b11',
  '1_000',
  ' 5',
  '5 ',
  '1.5',
  '.5',
  '5.',
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\ud800',
  '\udc00x',
  '\ufffe',
  '\u202e',
  '%',
  '%%',
  '%0',
  '%G0',
  '%00',
  '%E0%A4%A',
  '%ED%A0%80',
  '%C0%AF',
  '%FF',
  '%2F..%2F',
  '../..',
  "'",
  '"',
  '\\',
  "'; --",
  '$1',
  '%_\\',
  '[]',
  '{}',
  '[',
  'null',
  'true',
  'undefined',
  '__proto__',
  'constructor',
  'toString',
  '-',
  ',',
  ',,,',
  '-,-',
  '+',
] as const;

/** A code unit that is half of a surrogate pair, alone. */
const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c));

const numericText = fc.oneof(
  fc.integer().map(String),
  fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }).map(String),
  fc.double().map(String),
  fc.double().map((d) => d.toExponential()),
);

export const hostileText: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...HOSTILE) },
  { weight: 2, arbitrary: numericText },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 12 }) },
  { weight: 1, arbitrary: fc.string({ unit: loneSurrogate, minLength: 1, maxLength: 3 }) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom('a', '9', '%00', '\u00e9', '-'), fc.integer({ min: 101, max: 5000 }))
      .map(([unit, n]) => unit.repeat(n)),
  },
);

const ISO_TIMES = [
  '2026-10-01',
  '2026-10-01T08:00:00Z',
  '2026-10-01T08:00:00.123456+02:00',
  '0001-01-01T00:00:00Z',
  '9999-12-31T23:59:59-18:00',
  '2026-02-30',
];

/** base64url cursors: valid ones and ones whose JSON carries odd keys (NUL, overflow, wrong counts). */
const cursor: fc.Arbitrary<string> = fc.oneof(
  fc
    .record({
      sortBy: fc.constantFrom(...LOG_SORT_FIELDS),
      sortOrder: fc.constantFrom(...SORT_ORDERS),
      keys: fc.array(fc.oneof(fc.constantFrom(...HOSTILE, ...ISO_TIMES), numericText), {
        minLength: 1,
        maxLength: 3,
      }),
      id: fc.oneof(fc.integer(), fc.constantFrom(Number.MAX_SAFE_INTEGER, -1, 0)),
    })
    .map((c) => encodeCursor(c)),
  fc.jsonValue().map((v) => Buffer.from(JSON.stringify(v) ?? 'null', 'utf8').toString('base64url')),
);

const commaList = (names: readonly string[]) =>
  fc
    .array(
      fc.oneof(
        fc.constantFrom(...names),
        fc.constantFrom(...names).map((n) => `-${n}`),
        hostileText,
      ),
      {
        maxLength: 4,
      },
    )
    .map((parts) => parts.join(','));

/** Plausible values by parameter name, so requests get past validation and into the handlers and SQL. */
const BY_NAME: Record<string, fc.Arbitrary<string>> = {
  gene_symbol: fc.constantFrom('PKD1', 'pkd2', 'NPHS1', 'HNF1B', 'COL4A5', 'NOPE'),
  key: fc.constantFrom('use_database_views', 'enable_shadow_testing', 'nope'),
  namespace: fc.constantFrom('gene_list', 'gene_detail', 'gene_evidence', 'statistics', 'nope'),
  experiment: fc.constantFrom('gene_list', 'gene_detail', 'gene_evidence', 'admin_logs'),
  endpoint: fc.constantFrom('gene_list', 'gene_detail', 'gene_evidence', 'admin_logs'),
  sort: commaList(Object.keys(SORT_FIELDS)),
  'filter[tier]': commaList(EVIDENCE_TIERS),
  'filter[ids]': fc.array(fc.integer({ min: -1, max: 20 }), { maxLength: 5 }).map((ids) => ids.join(',')),
  'filter[search]': fc.oneof(fc.constantFrom('PKD', 'hgnc:', '%', '_', '\\', 'kidney'), fc.string()),
  sources: commaList(SOURCES),
  sort_by: fc.constantFrom(...LOG_SORT_FIELDS, 'created_at', 'logger', 'message'),
  sort_order: fc.constantFrom(...SORT_ORDERS, 'ASC', 'sideways'),
  level: fc.constantFrom('INFO', 'warning', 'warn', 'ERROR', 'fatal', 'loud'),
  source: fc.constantFrom('kgdb', 'request', '%', '_', 'KGDB.REQUEST'),
  start_time: fc.constantFrom(...ISO_TIMES),
  end_time: fc.constantFrom(...ISO_TIMES),
  cursor,
  // An admin batch runs this many samples of every experiment, one after another: keep it cheap.
  samples_per_endpoint: fc.constantFrom('0', '1', '2', '501'),
};

const bounded = (n: number | undefined, fallback: number) =>
  n === undefined || !Number.isFinite(n) ? fallback : Math.max(Math.min(n, 1e15), -1e15);

/** A value the schema accepts (or nearly: bounds ±1), as query text. */
export function plausible(name: string, schema: Schema): fc.Arbitrary<string> {
  const named = BY_NAME[name];
  if (named) return named;
  if (schema.enum) return fc.constantFrom(...schema.enum.map(String));
  if (schema.anyOf?.[0]) return plausible(name, schema.anyOf[0]);
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  const min = bounded(schema.minimum ?? schema.exclusiveMinimum, -1000);
  const max = bounded(schema.maximum, 1000);
  switch (type) {
    case 'integer':
      return fc.integer({ min: Math.ceil(min) - 1, max: Math.floor(max) + 1 }).map(String);
    case 'number':
      return fc.double({ min: min - 1, max: max + 1, noNaN: true }).map(String);
    case 'boolean':
      return fc.constantFrom('true', 'false', '1', '0', 'yes');
    default:
      return fc.string({ maxLength: Math.min(schema.maxLength ?? 30, 30) });
  }
}

/** Plausible mostly, hostile often. */
export const valueFor = (p: Param) =>
  fc.oneof({ weight: 3, arbitrary: plausible(p.name, p.schema) }, { weight: 2, arbitrary: hostileText });

const LONE = /\p{Cs}/u;
const wtf8 = (unit: number) =>
  [0xe0 | (unit >> 12), 0x80 | ((unit >> 6) & 0x3f), 0x80 | (unit & 0x3f)]
    .map((b) => `%${b.toString(16).toUpperCase()}`)
    .join('');

/** Percent-encodes as encodeURIComponent does; a lone surrogate (which it refuses) as its 3 WTF-8 bytes. */
export function percentEncode(text: string): string {
  if (!LONE.test(text)) return encodeURIComponent(text);
  return text
    .split(/(\p{Cs})/u)
    .map((part) => (LONE.test(part) ? wtf8(part.charCodeAt(0)) : encodeURIComponent(part)))
    .join('');
}

/** Encoded as a client should, or raw (the URL parser then decides what reaches the server). */
export const encoded = (value: fc.Arbitrary<string>) =>
  fc.tuple(value, fc.boolean()).map(([v, strict]) => (strict ? percentEncode(v) : v.replace(/[#?&=]/g, '')));
