import { LOG_LIMIT, SYSTEM_LOG_LEVELS } from './log-query.js';
import { describeSortFields } from './log-sort.js';

/*
 * Request and response schemas of the admin log routes. Parameter names, types, ranges and defaults follow
 * upstream's OpenAPI (limit 100, offset 0, sort_by timestamp, sort_order desc, hours 24, days 30). offset,
 * sort_by and sort_order carry their default in the description, not as `default`: ajv would fill it in, and
 * parseLogQuery must see whether they were sent (a cursor brings its own sort and excludes an offset).
 * Whitelists are checked by parseLogQuery so the 400 names the parameter and lists what it allows.
 */

const text = (description: string, maxLength = 200) => ({ type: 'string', maxLength, description }) as const;
const nullable = (type: string) => ({ type: [type, 'null'] }) as const;

export const logListQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    level: text(`Log level, any case: ${SYSTEM_LOG_LEVELS.join(', ')}`, 20),
    source: text('Logger name contains this text (case-insensitive; % and _ are literal)'),
    request_id: text('Request ID'),
    start_time: text('Earliest timestamp, ISO 8601 (no offset = UTC), inclusive', 64),
    end_time: text('Latest timestamp, ISO 8601 (no offset = UTC), inclusive', 64),
    limit: {
      type: 'integer',
      minimum: LOG_LIMIT.min,
      maximum: LOG_LIMIT.max,
      default: LOG_LIMIT.default,
      description: 'Maximum results',
    },
    offset: { type: 'integer', minimum: 0, description: 'Result offset (default 0); not with cursor' },
    sort_by: text(`Field to sort by (default timestamp): ${describeSortFields()}`, 40),
    sort_order: text('Sort order, asc or desc (default desc)', 10),
    cursor: text('pagination.next_cursor of the previous page: continues its sort without an offset', 4096),
  },
} as const;

const logEntrySchema = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    timestamp: { type: 'string' },
    level: { type: 'string' },
    source: nullable('string'),
    message: nullable('string'),
    request_id: nullable('string'),
    user_id: nullable('integer'),
    ip_address: nullable('string'),
    user_agent: nullable('string'),
    path: nullable('string'),
    method: nullable('string'),
    status_code: nullable('integer'),
    duration_ms: nullable('number'),
    error_type: nullable('string'),
    error_message: nullable('string'),
    stack_trace: nullable('string'),
    context: { type: 'object', additionalProperties: true },
    request_body: {},
    query_params: {},
    headers: {},
    client_info: {},
  },
} as const;

export const logListResponseSchema = {
  type: 'object',
  properties: {
    logs: { type: 'array', items: logEntrySchema },
    pagination: {
      type: 'object',
      properties: {
        total: { type: 'integer' },
        limit: { type: 'integer' },
        offset: { type: 'integer' },
        has_more: { type: 'boolean' },
        total_exact: {
          type: 'boolean',
          description: 'false: more than 10,000 rows match and total is the planner estimate',
        },
        next_cursor: { type: ['string', 'null'] },
      },
    },
  },
} as const;

export const logStatisticsQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    hours: { type: 'integer', minimum: 1, maximum: 168, default: 24, description: 'Hours to analyze' },
  },
} as const;

export const logCleanupQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    days: {
      type: 'integer',
      minimum: 0,
      maximum: 365,
      default: 30,
      description: 'Delete logs older than this many days (0 = all logs)',
    },
  },
} as const;

export const logCleanupResponseSchema = {
  type: 'object',
  properties: {
    success: { type: 'boolean' },
    logs_deleted: { type: 'integer' },
    cutoff_date: { type: 'string' },
  },
} as const;
