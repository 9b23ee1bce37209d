/** The one catalog of error codes; every error a user sees carries one of these. */
export const ERRORS = {
  INVALID_PARAMETER: { status: 400, title: 'Invalid parameter' },
  INVALID_INPUT: { status: 400, title: 'Invalid input' },
  UNAUTHORIZED: { status: 401, title: 'Authentication required' },
  FORBIDDEN: { status: 403, title: 'Forbidden' },
  NOT_FOUND: { status: 404, title: 'Not found' },
  GENE_NOT_FOUND: { status: 404, title: 'Gene not found' },
  CONFLICT: { status: 409, title: 'Conflict' },
  PAYLOAD_TOO_LARGE: { status: 413, title: 'Payload too large' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'Unsupported media type' },
  RATE_LIMITED: { status: 429, title: 'Too many requests' },
  UNAVAILABLE: { status: 503, title: 'Service unavailable' },
  /** PostgreSQL cannot be reached (stopped, restarting, out of connections); answered with Retry-After. */
  DATABASE_UNAVAILABLE: { status: 503, title: 'Database unavailable' },
  /** Every export slot of this process is taken (each export holds a database connection); with Retry-After. */
  EXPORTS_BUSY: { status: 503, title: 'Exports busy' },
  INTERNAL: { status: 500, title: 'Internal server error' },
} as const;

export type ErrorCode = keyof typeof ERRORS;

export interface KgdbErrorOptions {
  detail: string;
  /** The request parameter (or CLI argument, file, entry) that was wrong. */
  parameter?: string;
  cause?: unknown;
  /** When to try again, in seconds: sent as the answer's Retry-After. */
  retryAfterSeconds?: number;
}

export class KgdbError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly title: string;
  readonly parameter: string | undefined;
  readonly retryAfterSeconds: number | undefined;

  constructor(code: ErrorCode, { detail, parameter, cause, retryAfterSeconds }: KgdbErrorOptions) {
    super(detail, { cause });
    this.name = 'KgdbError';
    this.code = code;
    this.status = ERRORS[code].status;
    this.title = ERRORS[code].title;
    this.parameter = parameter;
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

/** Normalises anything thrown into an Error, so catch sites never deal with `unknown`. */
export function toError(raw: unknown): Error {
  if (raw instanceof Error) return raw;
  return new Error(typeof raw === 'string' ? raw : JSON.stringify(raw));
}
