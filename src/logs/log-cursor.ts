import { KgdbError } from '../errors.js';
import { parseIsoInstant } from './iso-instant.js';
import {
  LOG_SORT_FIELDS,
  type LogSortField,
  SORT_ORDERS,
  SORTS,
  type SortKeyColumn,
  type SortOrder,
} from './log-sort.js';

/**
 * A keyset cursor: base64url of `{"v":1,"s":sort field,"o":order,"k":[sort keys as text],"i":id}`. It names
 * the last row of a page; the next page is `(keys…, id) > (k…, i)` (`<` descending), one index range scan
 * however deep. It carries its sort so a cursor can never be replayed against a different order.
 */
export interface LogCursor {
  sortBy: LogSortField;
  sortOrder: SortOrder;
  /** The row's sort key columns (SORTS[sortBy].keys), as text. */
  keys: string[];
  id: number;
}

const VERSION = 1;
const MAX_TOKEN = 4096;

export function encodeCursor(cursor: LogCursor): string {
  const body = { v: VERSION, s: cursor.sortBy, o: cursor.sortOrder, k: cursor.keys, i: cursor.id };
  return Buffer.from(JSON.stringify(body), 'utf8').toString('base64url');
}

function invalid(why: string): KgdbError {
  return new KgdbError('INVALID_PARAMETER', {
    parameter: 'cursor',
    detail: `Invalid cursor (${why}); pass pagination.next_cursor of a previous response unchanged`,
  });
}

function keyIsValid(column: SortKeyColumn, key: unknown): boolean {
  if (typeof key !== 'string') return false;
  switch (column.cast) {
    case 'timestamptz':
      return parseIsoInstant(key)?.iso === key;
    case 'integer':
      return /^-?\d{1,10}$/.test(key);
    case 'float8':
      return key.trim() !== '' && Number.isFinite(Number(key));
    case 'text':
      return true;
  }
}

/** Decodes and checks a cursor token; every defect is a 400 on `cursor`. */
export function decodeCursor(token: string): LogCursor {
  if (token.length > MAX_TOKEN || !/^[A-Za-z0-9_-]+$/.test(token)) throw invalid('not a cursor token');
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw invalid('not a cursor token');
  }
  if (typeof body !== 'object' || body === null) throw invalid('not a cursor token');
  const { v, s, o, k, i } = body as Record<string, unknown>;
  if (v !== VERSION) throw invalid('unknown version');
  if (typeof s !== 'string' || !(LOG_SORT_FIELDS as readonly string[]).includes(s)) {
    throw invalid('unknown sort field');
  }
  if (typeof o !== 'string' || !(SORT_ORDERS as readonly string[]).includes(o))
    throw invalid('unknown order');
  const sortBy = s as LogSortField;
  const columns = SORTS[sortBy].keys;
  if (!Array.isArray(k) || k.length !== columns.length || !columns.every((c, n) => keyIsValid(c, k[n]))) {
    throw invalid('bad sort key');
  }
  if (typeof i !== 'number' || !Number.isSafeInteger(i)) throw invalid('bad id');
  return { sortBy, sortOrder: o as SortOrder, keys: k as string[], id: i };
}
