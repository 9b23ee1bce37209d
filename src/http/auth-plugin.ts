import fastifyCookie from '@fastify/cookie';
import fastifyJwt from '@fastify/jwt';
// Type-only: brings @fastify/swagger's FastifySchema fields (tags, summary, security, hide) into scope.
import type {} from '@fastify/swagger';
import type {
  FastifyInstance,
  FastifyPluginAsync,
  FastifyReply,
  FastifyRequest,
  RouteOptions,
} from 'fastify';
import { hashApiToken, isApiToken, shouldTouch, tokenStatus } from '../auth/api-token.js';
import type { ApiTokenRepository } from '../auth/api-token-repository.js';
import type { Principal } from '../auth/auth-types.js';
import { parseBearer, sameSecret } from '../auth/bearer.js';
import { accessVerdict, isRole, type Role } from '../auth/roles.js';
import { CSRF_HEADER, csrfTokenFor, needsCsrfToken, SESSION_COOKIE } from '../auth/session-cookie.js';
import type { UserRepository } from '../auth/user-repository.js';
import { type ErrorCode, KgdbError, toError } from '../errors.js';

/** Claims of the access token `POST /api/auth/login` signs; `sub` is users.id as a string. */
export interface AccessTokenClaims {
  sub: string;
  role: Role;
  typ: 'access';
  /** Issued-at and expiry, seconds since the epoch; set by the signer. A token without exp is refused. */
  iat?: number;
  exp?: number;
}

/** One registered route and the least role it needs (null = public), as the walk-all-routes test sees them. */
export interface RouteAccess {
  method: string;
  url: string;
  role: Role | null;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The least role this route needs; absent = public. Routes under /api/admin get 'admin' by default. */
    role?: Role;
    /**
     * A Prometheus scrape route: public, unless the plugin has a `metricsToken`; then it takes exactly
     * `Authorization: Bearer <metricsToken>` and nothing else (no user or API token).
     */
    scrape?: boolean;
  }
  interface FastifyInstance {
    /** Every route registered after the auth plugin, with its required role (filled by an onRoute hook). */
    routeAccess: readonly RouteAccess[];
  }
}

declare module '@fastify/jwt' {
  interface FastifyJWT {
    payload: AccessTokenClaims;
    /** Whoever the request's Bearer credentials resolved to; null when anonymous. */
    user: Principal | null;
  }
}

export interface AuthPluginOptions {
  jwtSecret: string;
  users: UserRepository;
  tokens: ApiTokenRepository;
  accessTokenTtlSeconds: number;
  /** KGDB_METRICS_TOKEN: the bearer token routes with `config.scrape` require; undefined = they are public. */
  metricsToken?: string;
  /** Injected clock for token expiry checks (tests). */
  now?: () => Date;
}

/** Everything under this path is an admin route, whatever it declares. */
export const ADMIN_PREFIX = '/api/admin';

/** OpenAPI security schemes the protected routes refer to; the OpenAPI setup adds them to `components`. */
export const OPENAPI_SECURITY_SCHEMES = {
  OAuth2PasswordBearer: { type: 'oauth2', flows: { password: { scopes: {}, tokenUrl: '/api/auth/login' } } },
} as const;

type Resolution = { ok: true; principal: Principal } | { ok: false; code: ErrorCode; detail: string };
const reject = (detail: string, code: ErrorCode = 'UNAUTHORIZED'): Resolution => ({
  ok: false,
  code,
  detail,
});

function isAdminPath(url: string): boolean {
  return url === ADMIN_PREFIX || url.startsWith(`${ADMIN_PREFIX}/`);
}

/** onRoute: fixes each route's role (admin under /api/admin), marks it in OpenAPI, and records it. */
function declareRouteRole(route: RouteOptions, access: RouteAccess[]): void {
  const declared: unknown = route.config?.role;
  if (declared !== undefined && !isRole(declared)) {
    throw new Error(
      `${route.url}: config.role must be one of viewer, curator, admin, got '${String(declared)}'`,
    );
  }
  let role: Role | undefined = declared;
  if (isAdminPath(route.url)) {
    if (role !== undefined && role !== 'admin') {
      throw new Error(`${route.url}: routes under ${ADMIN_PREFIX} require role 'admin', not '${role}'`);
    }
    role = 'admin';
    route.config = { ...route.config, role };
  }
  if (role !== undefined && route.schema?.hide !== true) {
    route.schema = { security: [{ OAuth2PasswordBearer: [] }], ...route.schema };
  }
  for (const method of [route.method].flat()) access.push({ method, url: route.url, role: role ?? null });
}

function createResolver(app: FastifyInstance, opts: AuthPluginOptions) {
  const now = opts.now ?? (() => new Date());

  async function fromApiToken(token: string, log: FastifyRequest['log']): Promise<Resolution> {
    const record = await opts.tokens.findByHash(hashApiToken(token));
    if (!record) return reject('Unknown API token');
    const at = now();
    const status = tokenStatus(record, at);
    if (status === 'revoked') return reject(`API token ${record.display_prefix}… has been revoked`);
    if (status === 'expired') {
      return reject(`API token ${record.display_prefix}… expired at ${record.expires_at?.toISOString()}`);
    }
    if (shouldTouch(record.last_used_at, at)) {
      // Off the request path: a lost last_used_at update is not worth failing or delaying the request.
      opts.tokens.touch(record.id).catch((raw) => log.warn({ err: toError(raw) }, 'api token touch failed'));
    }
    return { ok: true, principal: { kind: 'api_token', role: record.role, token: record } };
  }

  async function fromJwt(token: string): Promise<Resolution> {
    let claims: AccessTokenClaims;
    try {
      claims = app.jwt.verify<AccessTokenClaims>(token);
    } catch (raw) {
      const code = (toError(raw) as Error & { code?: string }).code;
      if (code === 'FAST_JWT_EXPIRED') return reject('Access token expired; log in again');
      if (code === 'FAST_JWT_MISSING_REQUIRED_CLAIM') return reject('Invalid access token: it has no exp');
      return reject('Invalid access token');
    }
    const id = Number(claims.sub);
    if (claims.typ !== 'access' || !Number.isSafeInteger(id)) return reject('Invalid access token');
    // Read the user on every request: a deactivated account or a changed role takes effect at once.
    const user = await opts.users.findById(id);
    if (!user) return reject('The account of this access token no longer exists');
    if (!user.is_active) return reject('User account is inactive', 'FORBIDDEN');
    return { ok: true, principal: { kind: 'user', role: user.role, user } };
  }

  return {
    bearer: (token: string, log: FastifyRequest['log']) =>
      isApiToken(token) ? fromApiToken(token, log) : fromJwt(token),
    // A session cookie only ever holds a login JWT (src/auth/session-cookie.ts), never an API token.
    session: (value: string) => fromJwt(value),
  };
}

const sameCsrfToken = (sent: string | string[] | undefined, expected: string): boolean =>
  typeof sent === 'string' && sameSecret(sent, expected);

function unauthorized(reply: FastifyReply, detail: string, invalidToken: boolean): KgdbError {
  // RFC 6750 §3: a 401 names the scheme, and says invalid_token when a token was sent but refused.
  reply.header('www-authenticate', invalidToken ? 'Bearer error="invalid_token"' : 'Bearer');
  return new KgdbError('UNAUTHORIZED', { detail });
}

const plugin: FastifyPluginAsync<AuthPluginOptions> = async (app, opts) => {
  await app.register(fastifyJwt, {
    secret: opts.jwtSecret,
    sign: { algorithm: 'HS256', expiresIn: opts.accessTokenTtlSeconds },
    // A token without exp would never expire: kgdb signs every one with exp, so one without was not ours to
    // accept (a leaked secret, a token minted by hand). fast-jwt checks exp only when it is present.
    verify: { algorithms: ['HS256'], requiredClaims: ['exp'] },
    // kgdb never calls request.jwtVerify(); request.user is ours (a Principal), so park jwt's decorator.
    decoratorName: 'jwtClaims',
  });
  app.decorateRequest('user', null);
  await app.register(fastifyCookie);

  const access: RouteAccess[] = [];
  app.decorate('routeAccess', access);
  app.addHook('onRoute', (route) => declareRouteRole(route, access));

  const resolve = createResolver(app, opts);
  // onRequest, before body parsing and validation: an anonymous call to an admin route is a 401 whatever
  // it sent. Public routes resolve credentials too (request.user feeds logs and stickiness) but ignore
  // bad ones, as upstream's optional auth does, so a stale token never breaks a public read.
  app.addHook('onRequest', async (request, reply) => {
    const required = request.routeOptions.config.role;
    const bearer = parseBearer(request.headers.authorization);
    if (request.routeOptions.config.scrape && opts.metricsToken !== undefined) {
      if (bearer.kind === 'token' && sameSecret(bearer.token, opts.metricsToken)) return;
      throw unauthorized(
        reply,
        'GET /metrics requires the metrics token (KGDB_METRICS_TOKEN)',
        bearer.kind !== 'none',
      );
    }
    const session = bearer.kind === 'none' ? request.cookies[SESSION_COOKIE] : undefined;
    if (bearer.kind === 'invalid') {
      if (required) throw unauthorized(reply, bearer.detail, true);
    } else if (bearer.kind === 'token' || session) {
      const resolution =
        bearer.kind === 'token'
          ? await resolve.bearer(bearer.token, request.log)
          : await resolve.session(session ?? '');
      // Without its CSRF token a cookie proves nothing about who made the browser send a change.
      const forged =
        session !== undefined &&
        needsCsrfToken(request.method) &&
        !sameCsrfToken(request.headers[CSRF_HEADER], csrfTokenFor(opts.jwtSecret, session));
      if (resolution.ok && forged) {
        if (required) {
          throw new KgdbError('FORBIDDEN', {
            detail: `A session cookie needs the '${CSRF_HEADER}' header on ${request.method}: GET /api/auth/session returns it`,
          });
        }
      } else if (resolution.ok) request.user = resolution.principal;
      else if (required && resolution.code === 'UNAUTHORIZED')
        throw unauthorized(reply, resolution.detail, bearer.kind === 'token');
      else if (required) throw new KgdbError(resolution.code, { detail: resolution.detail });
      else request.log.debug({ auth: resolution.detail }, 'ignoring credentials on a public route');
    }
    const verdict = accessVerdict(request.user?.role, required);
    if (verdict.kind === 'unauthenticated') {
      throw unauthorized(reply, `Authentication required: send 'Authorization: Bearer <token>'`, false);
    }
    if (verdict.kind === 'forbidden') {
      throw new KgdbError('FORBIDDEN', {
        detail: `Requires role '${required}'; these credentials have '${verdict.have}'`,
      });
    }
  });
};

/**
 * Auth for the whole app: resolves `Authorization: Bearer` (a `kgdb_…` API token or a login JWT), or else a
 * browser session cookie (a login JWT, with the CSRF token on requests that change something), into
 * `request.user`, enforces each route's `config.role` (401 without credentials, 403 below the role),
 * and lists every route's role in `app.routeAccess`. Register it before any route plugin. Marked
 * skip-override (what fastify-plugin does) so its hooks and decorators reach every route plugin.
 */
export const authPlugin = Object.assign(plugin, {
  [Symbol.for('skip-override')]: true,
  [Symbol.for('fastify.display-name')]: 'kgdb-auth',
});
