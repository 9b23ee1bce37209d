import { Type } from '@sinclair/typebox';
import { IntParam, TextParam } from '../http/params.js';
import { LOG_LIMIT, MAX_LOG_OFFSET } from './log-query.js';
import { SYSTEM_LOG_LEVELS } from './log-repository.js';
import { describeSortFields } from './log-sort.js';

/*
 * Request and response schemas of the admin log routes. Parameter names, types, ranges and defaults follow
 * upstream's OpenAPI (limit 100, offset 0, sort_by timestamp, sort_order desc, hours 24, days 30). offset,
 * sort_by and sort_order carry their default in the description, not as `default`: ajv would fill it in, and
 * parseLogQuery must see whether they were sent (a cursor brings its own sort and excludes an offset).
 * Whitelists are checked by parseLogQuery so the 400 names the parameter and lists what it allows.
 */

const text = (description: string, maxLength = 200) => TextParam({ maxLength, description });
const nullable = (type: string) => ({ type: [type, 'null'] }) as const;

export const logListQuerySchema = Type.Object(
  {
    level: Type.Optional(text(`Log level, any case: ${SYSTEM_LOG_LEVELS.join(', ')}`, 20)),
    source: Type.Optional(text('Logger name contains this text (case-insensitive; % and _ are literal)')),
    request_id: Type.Optional(text('Request ID')),
    start_time: Type.Optional(text('Earliest timestamp, ISO 8601 (no offset = UTC), inclusive', 64)),
    end_time: Type.Optional(text('Latest timestamp, ISO 8601 (no offset = UTC), inclusive', 64)),
    limit: Type.Optional(
      IntParam({
        minimum: LOG_LIMIT.min,
        maximum: LOG_LIMIT.max,
        default: LOG_LIMIT.default,
        description: 'Maximum results',
      }),
    ),
    offset: Type.Optional(
      IntParam({
        minimum: 0,
        maximum: MAX_LOG_OFFSET,
        description: 'Result offset (default 0); not with cursor',
      }),
    ),
    sort_by: Type.Optional(text(`Field to sort by (default timestamp): ${describeSortFields()}`, 40)),
    sort_order: Type.Optional(text('Sort order, asc or desc (default desc)', 10)),
    cursor: Type.Optional(
      text('pagination.next_cursor of the previous page: continues its sort without an offset', 4096),
    ),
  },
  { additionalProperties: false },
);

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

export const logStatisticsQuerySchema = Type.Object(
  {
    hours: Type.Optional(
      IntParam({ minimum: 1, maximum: 168, default: 24, description: 'Hours to analyze' }),
    ),
  },
  { additionalProperties: false },
);

export const logCleanupQuerySchema = Type.Object(
  {
    days: Type.Optional(
      IntParam({
        minimum: 0,
        maximum: 365,
        default: 30,
        description: 'Delete logs older than this many days (0 = all logs)',
      }),
    ),
  },
  { additionalProperties: false },
);

export const logCleanupResponseSchema = {
  type: 'object',
  properties: {
    success: { type: 'boolean' },
    logs_deleted: { type: 'integer' },
    cutoff_date: { type: 'string' },
  },
} as const;
