import type { FastifySchema, FastifySchemaValidationError, RouteOptions } from 'fastify';
import { KgdbError } from '../errors.js';

/** A request schema as far as words about it go (TypeBox output or a plain JSON schema). */
export interface ParamSchema {
  type?: string | readonly string[];
  enum?: readonly unknown[];
  const?: unknown;
  anyOf?: readonly ParamSchema[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  items?: ParamSchema;
  maxItems?: number;
  properties?: Record<string, ParamSchema>;
}

/** Fastify's schemaErrorFormatter: the ajv issues of one request part → the error the handler renders. */
export type SchemaErrorFormatter = NonNullable<RouteOptions['schemaErrorFormatter']>;
type RequestPart = Parameters<SchemaErrorFormatter>[1];

/** What an unknown key of each request part is called in a 400. */
const KEY_NOUN: Record<RequestPart, string> = {
  querystring: 'query parameter',
  params: 'path parameter',
  body: 'field',
  headers: 'header',
};

function rangeText(s: ParamSchema): string {
  const low =
    s.exclusiveMinimum !== undefined
      ? `> ${s.exclusiveMinimum}`
      : s.minimum !== undefined
        ? `≥ ${s.minimum}`
        : '';
  const high =
    s.exclusiveMaximum !== undefined
      ? `< ${s.exclusiveMaximum}`
      : s.maximum !== undefined
        ? `≤ ${s.maximum}`
        : '';
  if (s.minimum !== undefined && s.maximum !== undefined) return ` ${s.minimum}..${s.maximum}`;
  if (low && high) return ` ${low} and ${high}`;
  return low || high ? ` ${low || high}` : '';
}

function textShape(s: ParamSchema): string {
  if (s.pattern !== undefined) return `text matching ${s.pattern}`;
  if (s.maxLength === undefined) return 'text';
  return s.minLength
    ? `text of ${s.minLength}..${s.maxLength} characters`
    : `text of at most ${s.maxLength} characters`;
}

/** What a schema accepts, in words: "a whole number 1..100", "true or false", "one of: a, b". */
export function allowedValues(schema: ParamSchema | undefined): string {
  if (!schema) return 'nothing (unknown parameter)';
  if (schema.enum) return `one of: ${schema.enum.join(', ')}`;
  if (schema.const !== undefined) return `'${String(schema.const)}'`;
  if (schema.anyOf) return schema.anyOf.map(allowedValues).join(' or ');
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== 'null') : schema.type;
  switch (type) {
    case 'integer':
      return `a whole number${rangeText(schema)}`;
    case 'number':
      return `a number${rangeText(schema)}`;
    case 'boolean':
      return 'true or false';
    case 'array': {
      const most = schema.maxItems === undefined ? '' : ` at most ${schema.maxItems}`;
      return `a list of${most} values, each ${allowedValues(schema.items)}`;
    }
    case 'object': {
      const keys = Object.keys(schema.properties ?? {});
      return keys.length === 0 ? 'an object' : `an object with the fields ${keys.join(', ')}`;
    }
    default:
      return textShape(schema);
  }
}

/** JSON pointer → its keys ("/page[size]" → ["page[size]"]; ~1 and ~0 are / and ~). */
const keysOf = (pointer: string): string[] =>
  pointer === ''
    ? []
    : pointer
        .slice(1)
        .split('/')
        .map((key) => key.replaceAll('~1', '/').replaceAll('~0', '~'));

/** The subschema at a path of keys: object properties and array items; undefined where unknown. */
function schemaAt(root: ParamSchema | undefined, keys: readonly string[]): ParamSchema | undefined {
  let at = root;
  for (const key of keys) {
    if (!at) return undefined;
    const branches: readonly ParamSchema[] = at.anyOf ?? [at];
    at = branches.map((b) => b.properties?.[key] ?? (/^\d+$/.test(key) ? b.items : undefined)).find(Boolean);
  }
  return at;
}

/** How a 400 names a value: its key, list items as `[n]`, nested fields with dots; the part when it is all. */
function nameOf(part: RequestPart, keys: readonly string[]): string {
  if (keys.length === 0) return part === 'querystring' ? 'query' : part;
  return keys.reduce(
    (name, key, n) => (n === 0 ? key : /^\d+$/.test(key) ? `${name}[${key}]` : `${name}.${key}`),
    '',
  );
}

/** One ajv issue on one request part → INVALID_PARAMETER naming the value and saying what it accepts. */
function toParamError(
  issue: FastifySchemaValidationError | undefined,
  part: RequestPart,
  root: ParamSchema | undefined,
): KgdbError {
  if (!issue)
    return new KgdbError('INVALID_PARAMETER', { parameter: part, detail: 'Request failed validation' });
  const keys = keysOf(issue.instancePath);
  const extra = issue.params?.additionalProperty;
  if (issue.keyword === 'additionalProperties' && typeof extra === 'string') {
    const parameter = nameOf(part, [...keys, extra]);
    const known = Object.keys(schemaAt(root, keys)?.properties ?? {});
    const unknown = `Unknown ${KEY_NOUN[part]} '${parameter}'`;
    return new KgdbError('INVALID_PARAMETER', {
      parameter,
      detail:
        known.length === 0 ? `${unknown}: this route takes none` : `${unknown}. Allowed: ${known.join(', ')}`,
    });
  }
  const missing = issue.params?.missingProperty;
  const path = issue.keyword === 'required' && typeof missing === 'string' ? [...keys, missing] : keys;
  const parameter = nameOf(part, path);
  const schema = schemaAt(root, path);
  const allowed = schema ? allowedValues(schema) : issue.params?.allowed;
  const problem = issue.keyword === 'required' ? 'is required' : (issue.message ?? 'is invalid');
  return new KgdbError('INVALID_PARAMETER', {
    parameter,
    detail: `'${parameter}' ${problem}${typeof allowed === 'string' ? `: expected ${allowed}` : ''}`,
  });
}

const partSchema = (schema: FastifySchema, part: RequestPart): ParamSchema | undefined =>
  (part === 'querystring' ? schema.querystring : schema[part]) as ParamSchema | undefined;

/**
 * A route's schemaErrorFormatter: every 400 from its schemas names the value (`source.parameter`) and says
 * what it accepts, from the schema of the part that failed. Fastify attaches the ajv issues to the result.
 */
export function paramErrorFormatter(schema: FastifySchema): SchemaErrorFormatter {
  return (errors, part) => toParamError(errors[0], part, partSchema(schema, part));
}
