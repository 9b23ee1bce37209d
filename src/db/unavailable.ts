/**
 * Whether an error means "PostgreSQL cannot be reached right now" — stopped, restarting, unreachable, out of
 * connection slots — as opposed to a bad statement or a bug. The first is a 503 the client may retry (and the
 * request log keeps its rows for later); the second stays a 500. Pure: looks only at the error value.
 */

/** Socket and DNS errors of the connection to the server (Node's `err.code`). */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'EPIPE',
  'EADDRNOTAVAIL',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * SQLSTATEs outside class 08 (connection exception) that mean the server is going away or not taking us:
 * 57P01 admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now (starting up, shutting down, in
 * recovery), 53300 too_many_connections.
 */
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300']);

/**
 * What node-postgres and pg-pool throw, without a code, when the connection is lost or never made: the server
 * closed the socket, the pool's connectionTimeoutMillis passed, or the client broke earlier.
 */
const DRIVER_MESSAGES = new Set([
  'Connection terminated unexpectedly',
  'Connection terminated due to connection timeout',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error and is not queryable',
]);

/** How deep to follow `cause` and AggregateError members (a loop guard, not a limit real errors reach). */
const MAX_DEPTH = 5;

function ownReason(err: object): string | null {
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (NETWORK_CODES.has(code)) return code;
    if (/^08[0-9A-Z]{3}$/.test(code) || UNAVAILABLE_SQLSTATES.has(code)) return `SQLSTATE ${code}`;
  }
  const message = (err as { message?: unknown }).message;
  if (typeof message === 'string' && DRIVER_MESSAGES.has(message)) return message;
  return null;
}

/**
 * The code or driver message that marks `raw` as a database outage, or null when it is something else. Looks
 * at the error, its `cause` chain and AggregateError members (Node's connect to a host with several
 * addresses fails with one).
 */
export function unavailableReason(raw: unknown, depth = 0): string | null {
  if (typeof raw !== 'object' || raw === null || depth > MAX_DEPTH) return null;
  const own = ownReason(raw);
  if (own) return own;
  const members = (raw as { errors?: unknown }).errors;
  if (Array.isArray(members)) {
    for (const member of members) {
      const reason = unavailableReason(member, depth + 1);
      if (reason) return reason;
    }
  }
  return unavailableReason((raw as { cause?: unknown }).cause, depth + 1);
}

/** True when `raw` means the database is unavailable (see unavailableReason). */
export function isDatabaseUnavailable(raw: unknown): boolean {
  return unavailableReason(raw) !== null;
}
