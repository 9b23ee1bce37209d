import type { Server } from 'node:http';
import type { FastifyHttpOptions } from 'fastify';

/**
 * Timeouts against slow and idle clients (slowloris), spread into the Fastify constructor. Without them a
 * client that sends headers and then trickles — or never finishes — its body holds a socket and a request
 * forever: Fastify's own defaults switch Node's request timeout off.
 *
 * - requestTimeout 10 s: the whole request (headers and body) must have arrived 10 s after it began — on a new
 *   connection, 10 s after it opened — else the client gets Fastify's 408 and the connection closes. Every kgdb
 *   request body is a few hundred bytes (a login, a flag change), so 10 s is generous even for a slow link.
 * - headersTimeout 10 s: the same bound for the headers alone (Node requires headersTimeout ≤ requestTimeout).
 * - connectionsCheckingInterval 1 s: how often Node looks for expired requests; its default of 30 s would let a
 *   request live up to 40 s. Measured: an unfinished body, an unfinished chunked body, unfinished headers and a
 *   connection that sends nothing are all answered 408 and closed 10.05 s after they began.
 * - connectionTimeout 60 s: a socket with no traffic either way for 60 s is destroyed — a client that stopped
 *   reading its response. Longer than any handler runs (a proxy in front would cut a 60 s silence too).
 * - keepAliveTimeout 72 s: an idle keep-alive connection closes after 72 s, longer than the usual 60 s idle
 *   timeout of load balancers, so the balancer, not kgdb, closes first and never sends into a closed socket.
 */
export const HTTP_TIMEOUTS = {
  requestTimeout: 10_000,
  connectionTimeout: 60_000,
  keepAliveTimeout: 72_000,
  http: { requestTimeout: 10_000, headersTimeout: 10_000, connectionsCheckingInterval: 1_000 },
} as const satisfies Pick<
  FastifyHttpOptions<Server>,
  'requestTimeout' | 'connectionTimeout' | 'keepAliveTimeout' | 'http'
>;
