import type { FastifySchemaValidationError } from 'fastify';
import { KgdbError } from '../errors.js';

export type SchemaErrorFormatter = (errors: FastifySchemaValidationError[], dataVar: string) => Error;

interface PropertySchema {
  type?: string;
  enum?: readonly unknown[];
  minimum?: number;
  maximum?: number;
  maxLength?: number;
  anyOf?: readonly PropertySchema[];
}

/** What a query property accepts, in words: "a whole number 1..100", "true or false", "one of: a, b". */
export function allowedValues(schema: PropertySchema | undefined): string {
  if (!schema) return 'nothing (unknown parameter)';
  if (schema.enum) return `one of: ${schema.enum.join(', ')}`;
  if (schema.anyOf) return schema.anyOf.map(allowedValues).join(' or ');
  const { minimum: min, maximum: max } = schema;
  const range =
    min !== undefined && max !== undefined
      ? ` ${min}..${max}`
      : min !== undefined
        ? ` ≥ ${min}`
        : max !== undefined
          ? ` ≤ ${max}`
          : '';
  switch (schema.type) {
    case 'integer':
      return `a whole number${range}`;
    case 'number':
      return `a number${range}`;
    case 'boolean':
      return 'true or false';
    case 'array':
      return 'a list of values';
    default:
      return schema.maxLength !== undefined ? `text of at most ${schema.maxLength} characters` : 'text';
  }
}

/**
 * A route's schemaErrorFormatter for its query string: the offending key named in `source.parameter`, and the
 * detail saying what it accepts: for an unknown key every key the route takes, for a bad value the type,
 * range or list of allowed values. Issues elsewhere (path params) go to the shared handler unchanged:
 * Fastify attaches the ajv issues to the returned error.
 */
export function queryErrorFormatter(querystring: {
  properties?: Record<string, unknown>;
}): SchemaErrorFormatter {
  const properties = (querystring.properties ?? {}) as Record<string, PropertySchema>;
  const keys = Object.keys(properties);
  return (errors, dataVar) => {
    const issue = errors[0];
    if (dataVar !== 'querystring' || !issue) {
      return new Error(`${dataVar}${issue?.instancePath ?? ''} ${issue?.message ?? 'is invalid'}`);
    }
    const extra = issue.params?.additionalProperty;
    if (issue.keyword === 'additionalProperties' && typeof extra === 'string') {
      return new KgdbError('INVALID_PARAMETER', {
        parameter: extra,
        detail:
          keys.length === 0
            ? `Unknown query parameter '${extra}': this route takes none`
            : `Unknown query parameter '${extra}'. Allowed: ${keys.join(', ')}`,
      });
    }
    // instancePath is a JSON pointer to the key: "/page[size]" (brackets are not escaped, ~ and / are).
    const parameter = (issue.instancePath.split('/')[1] ?? '').replaceAll('~1', '/').replaceAll('~0', '~');
    return new KgdbError('INVALID_PARAMETER', {
      parameter,
      detail: `'${parameter}' ${issue.message ?? 'is invalid'}: expected ${allowedValues(properties[parameter])}`,
    });
  };
}
