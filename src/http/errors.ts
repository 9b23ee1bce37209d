import { randomUUID } from 'node:crypto';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { DatabaseError } from 'pg';
import { ERRORS, type ErrorCode, KgdbError } from '../errors.js';

export interface ErrorEnvelope {
  error: {
    status: number;
    code: ErrorCode;
    title: string;
    detail: string;
    source: { parameter: string | null };
    meta: { error_id: string; timestamp: string; path: string; method: string };
  };
}

interface ValidationIssue {
  instancePath?: string;
  keyword?: string;
  message?: string;
  params?: Record<string, unknown>;
}

/** The request part and key an ajv issue is about: an extra key, a missing one, or the path of a bad value. */
function parameterOf(issue: ValidationIssue | undefined, context: string | undefined): string | undefined {
  if (!issue) return context;
  const extra = issue.params?.additionalProperty;
  if (typeof extra === 'string') return extra;
  const missing = issue.params?.missingProperty;
  if (typeof missing === 'string') return missing;
  const fromPath = issue.instancePath?.replace(/^\//, '').replaceAll('/', '.');
  return fromPath || context;
}

function describeIssue(issue: ValidationIssue | undefined, parameter: string | undefined): string {
  if (!issue) return 'Request failed validation';
  const allowed = issue.params?.allowedValues;
  if (issue.keyword === 'additionalProperties') {
    return `Unknown parameter '${parameter}'`;
  }
  if (Array.isArray(allowed)) return `'${parameter}' must be one of: ${allowed.join(', ')}`;
  return `'${parameter}' ${issue.message ?? 'is invalid'}`;
}

/** Maps whatever a handler threw to a KgdbError; unknown errors keep their message out of the response. */
export function toKgdbError(err: FastifyError | Error): KgdbError {
  if (err instanceof KgdbError) return err;
  const fastifyErr = err as FastifyError & { validation?: ValidationIssue[]; validationContext?: string };
  if (fastifyErr.validation) {
    const issue = fastifyErr.validation[0];
    const parameter = parameterOf(issue, fastifyErr.validationContext);
    return new KgdbError('INVALID_PARAMETER', {
      parameter,
      detail: describeIssue(issue, parameter),
      cause: err,
    });
  }
  if (err instanceof DatabaseError) {
    if (err.code === '23505')
      return new KgdbError('CONFLICT', { detail: err.detail ?? 'Duplicate value', cause: err });
    if (err.code === '57014') return new KgdbError('UNAVAILABLE', { detail: 'Query timed out', cause: err });
  }
  const status = fastifyErr.statusCode;
  if (status && status >= 400 && status < 500) {
    const code =
      (Object.keys(ERRORS) as ErrorCode[]).find((c) => ERRORS[c].status === status) ?? 'INVALID_INPUT';
    return new KgdbError(code, { detail: err.message, cause: err });
  }
  return new KgdbError('INTERNAL', {
    detail: 'An unexpected error occurred; see the server log for error_id',
    cause: err,
  });
}

export function envelope(
  err: KgdbError,
  request: FastifyRequest,
  errorId: string = randomUUID(),
): ErrorEnvelope {
  return {
    error: {
      status: err.status,
      code: err.code,
      title: err.title,
      detail: err.message,
      source: { parameter: err.parameter ?? null },
      meta: {
        error_id: errorId,
        timestamp: new Date().toISOString(),
        path: request.url.split('?')[0] ?? request.url,
        method: request.method,
      },
    },
  };
}

/** The single error handler: 4xx logged at info, 5xx at error, both with the error_id the client sees. */
export function renderError(err: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) {
  const kgdbErr = toKgdbError(err);
  const body = envelope(kgdbErr, request);
  const log = { error_id: body.error.meta.error_id, code: kgdbErr.code, err };
  if (kgdbErr.status >= 500) request.log.error(log, 'request failed');
  else request.log.info(log, kgdbErr.message);
  return reply.status(kgdbErr.status).send(body);
}

export function renderNotFound(request: FastifyRequest, reply: FastifyReply) {
  const err = new KgdbError('NOT_FOUND', {
    detail: `No route ${request.method} ${request.url.split('?')[0]}`,
  });
  return reply.status(404).send(envelope(err, request));
}
