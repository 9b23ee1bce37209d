import { randomUUID } from 'node:crypto';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { DatabaseError } from 'pg';
import { unavailableReason } from '../db/unavailable.js';
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

/**
 * Retry-After of a DATABASE_UNAVAILABLE answer, seconds. An embedded server restarts in about a second and a
 * failover takes a few; 5 s spaces out well-behaved clients' retries without keeping them away long.
 */
export const DATABASE_RETRY_AFTER_SECONDS = 5;

/** The code each reply answered with, for hooks that run after the error handler (metrics, the rollout window). */
const replyCodes = new WeakMap<FastifyReply, ErrorCode>();

/**
 * The error code this reply was rendered with by renderError or renderNotFound, or undefined when it was not
 * an error envelope. Read it in onResponse to tell a database outage (503 DATABASE_UNAVAILABLE) from a failure
 * of the code.
 */
export function errorCodeOf(reply: FastifyReply): ErrorCode | undefined {
  return replyCodes.get(reply);
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
function toKgdbError(err: FastifyError | Error): KgdbError {
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
  // Before the SQLSTATE mapping: 57P01 (admin shutdown) and class 08 are DatabaseErrors too.
  if (unavailableReason(err)) {
    return new KgdbError('DATABASE_UNAVAILABLE', {
      detail: `The database is unavailable; retry in ${DATABASE_RETRY_AFTER_SECONDS} seconds`,
      cause: err,
      retryAfterSeconds: DATABASE_RETRY_AFTER_SECONDS,
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

function envelope(err: KgdbError, request: FastifyRequest, errorId: string = randomUUID()): ErrorEnvelope {
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

/**
 * The single error handler: 4xx logged at info, 5xx at error, both with the error_id the client sees. A database
 * outage answers 503 with Retry-After (as does any error that names its retryAfterSeconds); what the driver said
 * (addresses included) goes to the log only.
 */
export function renderError(err: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) {
  const kgdbErr = toKgdbError(err);
  const body = envelope(kgdbErr, request);
  const log = {
    error_id: body.error.meta.error_id,
    code: kgdbErr.code,
    err,
    ...(kgdbErr.code === 'DATABASE_UNAVAILABLE' && { reason: unavailableReason(err) }),
  };
  if (kgdbErr.status >= 500) request.log.error(log, 'request failed');
  else request.log.info(log, kgdbErr.message);
  if (kgdbErr.retryAfterSeconds !== undefined) reply.header('retry-after', kgdbErr.retryAfterSeconds);
  replyCodes.set(reply, kgdbErr.code);
  return reply.status(kgdbErr.status).send(body);
}

export function renderNotFound(request: FastifyRequest, reply: FastifyReply) {
  const err = new KgdbError('NOT_FOUND', {
    detail: `No route ${request.method} ${request.url.split('?')[0]}`,
  });
  replyCodes.set(reply, err.code);
  return reply.status(404).send(envelope(err, request));
}
