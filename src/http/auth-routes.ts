import rateLimit from '@fastify/rate-limit';
// Type-only: brings @fastify/swagger's FastifySchema fields (tags, summary, security, hide) into scope.
import type {} from '@fastify/swagger';
import { type Static, Type } from '@sinclair/typebox';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { User } from '../auth/auth-types.js';
import { toLoginCredentials } from '../auth/login-credentials.js';
import { PASSWORD_MAX } from '../auth/new-user.js';
import type { PasswordLogin } from '../auth/password-login.js';
import { ROLE_PERMISSIONS } from '../auth/roles.js';
import { csrfTokenFor, SESSION_COOKIE, sessionCookieOptions } from '../auth/session-cookie.js';
import { KgdbError } from '../errors.js';
import type { AccessTokenClaims } from './auth-plugin.js';
import { TextParam } from './params.js';

export interface AuthRoutesOptions {
  passwords: PasswordLogin;
  /** Keys the CSRF tokens of browser sessions (src/auth/session-cookie.ts). */
  jwtSecret: string;
  accessTokenTtlSeconds: number;
  /** Per client address (request.ip) and per process: N instances admit up to N× max per window. */
  loginRateLimit: { max: number; timeWindowMs: number };
}

// Upstream's OAuth2PasswordRequestForm fields (its snapshot's Body_login_api_auth_login_post), plus
// `email` for JSON clients. The same schema validates the form and the JSON body.
const LoginBodySchema = Type.Object(
  {
    username: Type.Optional(TextParam({ minLength: 1, maxLength: 254 })),
    email: Type.Optional(TextParam({ minLength: 1, maxLength: 254 })),
    password: TextParam({ minLength: 1, maxLength: PASSWORD_MAX }),
    grant_type: Type.Optional(Type.Union([Type.Literal('password'), Type.Literal('')])),
    // Sent by OAuth2 form clients and ignored; capped so nobody posts megabytes through them.
    scope: Type.Optional(TextParam({ maxLength: 1000 })),
    client_id: Type.Optional(TextParam({ maxLength: 1000 })),
    client_secret: Type.Optional(TextParam({ maxLength: 1000 })),
  },
  { additionalProperties: false },
);
type LoginBodyInput = Static<typeof LoginBodySchema>;

/** Upstream's `Token`; refresh_token is always null (kgdb issues none: clients log in again). */
const TokenSchema = Type.Object({
  access_token: Type.String(),
  token_type: Type.Literal('bearer'),
  expires_in: Type.Integer({ description: 'Token expiration time in seconds' }),
  refresh_token: Type.Union([Type.String(), Type.Null()]),
});
type TokenResponse = Static<typeof TokenSchema>;

const DateTime = Type.String({ format: 'date-time' });
/** Upstream's `UserResponse`: public user data, never the password hash. */
const UserResponseSchema = Type.Object({
  id: Type.Integer(),
  email: Type.String(),
  username: Type.String(),
  full_name: Type.Union([Type.String(), Type.Null()]),
  role: Type.String(),
  permissions: Type.Array(Type.String()),
  is_active: Type.Boolean(),
  is_verified: Type.Boolean(),
  last_login: Type.Union([DateTime, Type.Null()]),
  created_at: DateTime,
  updated_at: DateTime,
});
type UserResponse = Static<typeof UserResponseSchema>;

/** A browser session: who is logged in, and the token to send as X-CSRF-Token on requests that change things. */
const SessionSchema = Type.Object({
  user: UserResponseSchema,
  csrf_token: Type.String(),
  expires_in: Type.Integer({ description: 'Seconds the session lasts from its login' }),
});
type SessionResponse = Static<typeof SessionSchema>;

function toUserResponse(user: User): UserResponse {
  return {
    id: user.id,
    email: user.email,
    username: user.username,
    full_name: user.full_name,
    role: user.role,
    permissions: [...ROLE_PERMISSIONS[user.role]],
    is_active: user.is_active,
    // Accounts are made by an operator (`kgdb users create`); upstream marks admin-created users verified.
    is_verified: true,
    last_login: user.last_login?.toISOString() ?? null,
    created_at: user.created_at.toISOString(),
    updated_at: user.updated_at.toISOString(),
  };
}

export const authRoutes: FastifyPluginAsync<AuthRoutesOptions> = async (app, opts) => {
  const { passwords, accessTokenTtlSeconds, loginRateLimit, jwtSecret } = opts;

  /** The account the credentials log in to, or the 401/403/429 that says why not. */
  async function logIn(body: LoginBodyInput, reply: FastifyReply): Promise<User> {
    const { login, password } = toLoginCredentials(body);
    const outcome = await passwords.check(login, password);
    if (outcome.kind === 'bad_credentials') {
      reply.header('www-authenticate', 'Bearer');
      throw new KgdbError('UNAUTHORIZED', { detail: 'Incorrect username/email or password' });
    }
    if (outcome.kind === 'inactive') throw new KgdbError('FORBIDDEN', { detail: 'Account is inactive' });
    if (outcome.kind === 'locked') {
      reply.header('retry-after', String(outcome.retryAfterSeconds));
      throw new KgdbError('RATE_LIMITED', {
        detail: `Too many failed logins for this account; retry in ${outcome.retryAfterSeconds} s, or ask an administrator to unlock it`,
      });
    }
    return outcome.user;
  }

  const accessToken = (user: User): string => {
    const claims: AccessTokenClaims = { sub: String(user.id), role: user.role, typ: 'access' };
    return app.jwt.sign(claims);
  };

  const sessionResponse = (user: User, token: string): SessionResponse => ({
    user: toUserResponse(user),
    csrf_token: csrfTokenFor(jwtSecret, token),
    expires_in: accessTokenTtlSeconds,
  });

  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_request, context) =>
      new KgdbError('RATE_LIMITED', {
        detail: `Too many login attempts from this address (at most ${context.max} per ${loginRateLimit.timeWindowMs / 1000} s); retry in ${context.after}`,
      }),
  });

  app.post<{ Body: LoginBodyInput; Reply: TokenResponse }>(
    '/login',
    {
      config: { rateLimit: { max: loginRateLimit.max, timeWindow: loginRateLimit.timeWindowMs } },
      schema: {
        tags: ['Authentication'],
        summary: 'Log in with username or email and password (form or JSON); returns a bearer access token',
        consumes: ['application/x-www-form-urlencoded', 'application/json'],
        body: LoginBodySchema,
        response: { 200: TokenSchema },
      },
    },
    async (request, reply) => ({
      access_token: accessToken(await logIn(request.body, reply)),
      token_type: 'bearer',
      expires_in: accessTokenTtlSeconds,
      refresh_token: null,
    }),
  );

  app.post<{ Body: LoginBodyInput; Reply: SessionResponse }>(
    '/session',
    {
      config: { rateLimit: { max: loginRateLimit.max, timeWindow: loginRateLimit.timeWindowMs } },
      schema: {
        tags: ['Authentication'],
        summary:
          'Log in for a browser: the access token goes into an httpOnly cookie, the CSRF token is returned',
        consumes: ['application/x-www-form-urlencoded', 'application/json'],
        body: LoginBodySchema,
        response: { 200: SessionSchema },
      },
    },
    async (request, reply) => {
      const user = await logIn(request.body, reply);
      const token = accessToken(user);
      reply.setCookie(
        SESSION_COOKIE,
        token,
        sessionCookieOptions(accessTokenTtlSeconds, request.protocol === 'https'),
      );
      return sessionResponse(user, token);
    },
  );

  app.get<{ Reply: SessionResponse }>(
    '/session',
    {
      config: { role: 'viewer' },
      schema: {
        tags: ['Authentication'],
        summary: "The browser session's user and its CSRF token (for a page loaded after the login)",
        response: { 200: SessionSchema },
      },
    },
    async (request) => {
      const principal = request.user;
      const token = request.cookies[SESSION_COOKIE];
      if (principal?.kind !== 'user' || !token || request.headers.authorization !== undefined) {
        throw new KgdbError('FORBIDDEN', {
          detail: 'No browser session: POST /api/auth/session opens one (bearer tokens need no CSRF token)',
        });
      }
      return sessionResponse(principal.user, token);
    },
  );

  app.delete(
    '/session',
    {
      schema: {
        tags: ['Authentication'],
        summary: 'Log out a browser: clears the session cookie (the token itself lives until it expires)',
        response: { 204: Type.Null() },
      },
    },
    async (request, reply) => {
      reply.clearCookie(SESSION_COOKIE, sessionCookieOptions(0, request.protocol === 'https'));
      return reply.code(204).send();
    },
  );

  app.get<{ Reply: UserResponse }>(
    '/me',
    {
      config: { role: 'viewer' },
      schema: {
        tags: ['Authentication'],
        summary: 'The logged-in user (a login access token; API tokens belong to no user)',
        response: { 200: UserResponseSchema },
      },
    },
    async (request) => {
      const principal = request.user;
      if (principal?.kind !== 'user') {
        throw new KgdbError('FORBIDDEN', {
          detail: 'API tokens belong to no user; /api/auth/me needs an access token from /api/auth/login',
        });
      }
      return toUserResponse(principal.user);
    },
  );
};
