import { KgdbError } from '../errors.js';
import { textProblem } from '../http/params.js';
import { parseIsoInstant } from './iso-instant.js';
import { decodeCursor, type LogCursor } from './log-cursor.js';
import { type LogQuery, SYSTEM_LOG_LEVELS, type SystemLogLevel } from './log-repository.js';
import {
  describeSortFields,
  LOG_SORT_ALIASES,
  LOG_SORT_FIELDS,
  type LogSortField,
  SORT_ORDERS,
  SORTS,
  type SortKeyCast,
  type SortOrder,
} from './log-sort.js';

/** Python's own synonyms, accepted on input. */
const LEVEL_ALIASES: Readonly<Record<string, SystemLogLevel>> = { WARN: 'WARNING', FATAL: 'CRITICAL' };

export const LOG_LIMIT = { min: 1, max: 1000, default: 100 } as const;
/**
 * Largest offset: the page SQL binds offset + limit + 1 as a PostgreSQL integer (2^31 − 1), and no log table
 * holds two billion rows to page through.
 */
export const MAX_LOG_OFFSET = 2_000_000_000;
const DEFAULT_SORT: { sortBy: LogSortField; sortOrder: SortOrder } = {
  sortBy: 'timestamp',
  sortOrder: 'desc',
};

/** `GET /api/admin/logs/` query parameters after schema validation (types coerced, unknown keys rejected). */
export interface LogQueryParams {
  level?: string;
  source?: string;
  request_id?: string;
  start_time?: string;
  end_time?: string;
  limit?: number;
  offset?: number;
  sort_by?: string;
  sort_order?: string;
  cursor?: string;
}

const bad = (parameter: string, detail: string): KgdbError =>
  new KgdbError('INVALID_PARAMETER', { parameter, detail });

/** An empty value means "no filter", as in upstream (`if level:`), so a form's empty select still works. */
const present = (raw: string | undefined): raw is string => raw !== undefined && raw.trim() !== '';

function parseLevel(raw: string): SystemLogLevel {
  const upper = raw.trim().toUpperCase();
  const level = LEVEL_ALIASES[upper] ?? upper;
  if ((SYSTEM_LOG_LEVELS as readonly string[]).includes(level)) return level as SystemLogLevel;
  throw bad('level', `Unknown level '${raw}'. Allowed (any case): ${SYSTEM_LOG_LEVELS.join(', ')}`);
}

function parseSortBy(raw: string): LogSortField {
  const name = raw.trim().toLowerCase();
  const field = LOG_SORT_ALIASES[name] ?? name;
  if ((LOG_SORT_FIELDS as readonly string[]).includes(field)) return field as LogSortField;
  throw bad('sort_by', `Unknown sort field '${raw}'. Allowed: ${describeSortFields()}`);
}

function parseSortOrder(raw: string): SortOrder {
  const order = raw.trim().toLowerCase();
  if ((SORT_ORDERS as readonly string[]).includes(order)) return order as SortOrder;
  throw bad('sort_order', `Unknown sort order '${raw}'. Allowed: ${SORT_ORDERS.join(', ')}`);
}

const INT4_MAX = 2_147_483_647;
/** A float8 literal PostgreSQL reads (no hex, no binary, no underscores, no words). */
const FLOAT8_TEXT = /^-?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$/i;

/** Why PostgreSQL would refuse a cursor key bound with this cast, or undefined when it takes it. */
function keyProblem(cast: SortKeyCast, key: string): string | undefined {
  if (cast === 'text') return textProblem(key);
  if (cast === 'integer' && Math.abs(Number(key)) > INT4_MAX) return 'is past the integer range';
  if (cast !== 'float8') return undefined;
  const value = Number(key);
  // 1e-400 is 0 to JavaScript but out of range to PostgreSQL.
  const underflow = value === 0 && /[1-9]/.test(key.split(/e/i)[0] ?? '');
  return FLOAT8_TEXT.test(key) && Number.isFinite(value) && !underflow ? undefined : 'is not a number';
}

/**
 * A decoded cursor whose keys PostgreSQL can bind: decodeCursor checks their shape, this what the casts refuse
 * (NUL in text, int4 overflow, float8 syntax), so a forged cursor is a 400 and never a database error.
 */
function checkedCursor(cursor: LogCursor): LogCursor {
  SORTS[cursor.sortBy].keys.forEach((column, n) => {
    const problem = keyProblem(column.cast, cursor.keys[n] ?? '');
    if (problem) {
      throw bad(
        'cursor',
        `Invalid cursor (sort key ${n + 1} ${problem}); pass pagination.next_cursor of a previous response unchanged`,
      );
    }
  });
  return cursor;
}

function parseInstant(parameter: string, raw: string) {
  const instant = parseIsoInstant(raw);
  if (!instant) {
    throw bad(
      parameter,
      `'${raw}' is not an ISO 8601 date-time. Allowed: YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS[.ffffff]] with an optional Z or ±HH:MM offset (none = UTC)`,
    );
  }
  return instant;
}

function parseInteger(
  parameter: string,
  raw: number | undefined,
  min: number,
  max: number,
  fallback: number,
) {
  if (raw === undefined) return fallback;
  if (!Number.isInteger(raw) || raw < min || raw > max) {
    const range = `${min}..${max}`;
    throw bad(parameter, `'${parameter}' must be an integer ${range}, got ${raw}`);
  }
  return raw;
}

function parseTimeRange(params: LogQueryParams): Pick<LogQuery, 'startTime' | 'endTime'> {
  const start = present(params.start_time) ? parseInstant('start_time', params.start_time) : undefined;
  const end = present(params.end_time) ? parseInstant('end_time', params.end_time) : undefined;
  if (start && end && start.micros > end.micros) {
    throw bad('start_time', `start_time ${start.iso} is after end_time ${end.iso}`);
  }
  return { startTime: start?.iso, endTime: end?.iso };
}

/**
 * Turns validated query parameters into a LogQuery, or throws INVALID_PARAMETER naming the parameter and what
 * it allows. A cursor brings its own sort; an explicit sort_by/sort_order must agree with it, and an offset
 * may not accompany it (a cursor already says where the page starts).
 */
export function parseLogQuery(params: LogQueryParams): LogQuery {
  let sortBy = present(params.sort_by) ? parseSortBy(params.sort_by) : undefined;
  let sortOrder = present(params.sort_order) ? parseSortOrder(params.sort_order) : undefined;
  let after: LogQuery['after'];
  if (present(params.cursor)) {
    if (params.offset !== undefined) {
      throw bad(
        'offset',
        'Use either cursor or offset, not both: a cursor already says where the page starts',
      );
    }
    const cursor = checkedCursor(decodeCursor(params.cursor.trim()));
    if ((sortBy && sortBy !== cursor.sortBy) || (sortOrder && sortOrder !== cursor.sortOrder)) {
      throw bad(
        'cursor',
        `This cursor continues sort_by=${cursor.sortBy}&sort_order=${cursor.sortOrder}; drop sort_by/sort_order or request that order`,
      );
    }
    sortBy = cursor.sortBy;
    sortOrder = cursor.sortOrder;
    after = { keys: cursor.keys, id: cursor.id };
  }
  const query: LogQuery = {
    limit: parseInteger('limit', params.limit, LOG_LIMIT.min, LOG_LIMIT.max, LOG_LIMIT.default),
    offset: parseInteger('offset', params.offset, 0, MAX_LOG_OFFSET, 0),
    sortBy: sortBy ?? DEFAULT_SORT.sortBy,
    sortOrder: sortOrder ?? DEFAULT_SORT.sortOrder,
    ...parseTimeRange(params),
  };
  if (present(params.level)) query.level = parseLevel(params.level);
  if (present(params.source)) query.source = params.source;
  if (present(params.request_id)) query.requestId = params.request_id;
  if (after) query.after = after;
  return query;
}
