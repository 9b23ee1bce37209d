import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { onRequestHookHandler } from 'fastify';

/** Request and response header carrying the request id (docs/api.md, "Response headers"). */
export const REQUEST_ID_HEADER = 'x-request-id';

/**
 * 1..128 of letters, digits and `.` `_` `:` `-`: covers UUIDs, ULIDs and the hex ids of proxies and tracers, and
 * leaves out whatever could split or forge a log line or a header (spaces, quotes, commas, control characters).
 */
const WELL_FORMED = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * The caller's id when it is well-formed, else undefined (the caller then gets a new one; never an error).
 * A repeated header reaches Node as one value joined by ", " or as an array: either is refused.
 */
export function acceptedRequestId(header: string | string[] | undefined): string | undefined {
  return typeof header === 'string' && WELL_FORMED.test(header) ? header : undefined;
}

/**
 * Fastify's genReqId: the caller's X-Request-Id, else a UUID. The id is the request's `reqId` in the log and
 * the request_id of its request-log row, so a proxy's id follows the request through kgdb.
 */
export function requestIdOf(req: IncomingMessage): string {
  return acceptedRequestId(req.headers[REQUEST_ID_HEADER]) ?? randomUUID();
}

/** Registered first, so every response that passes through Fastify's hooks says its id (errors, 404s). */
export const echoRequestId: onRequestHookHandler = (request, reply, done) => {
  reply.header(REQUEST_ID_HEADER, request.id);
  done();
};
