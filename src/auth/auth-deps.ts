import type { Queryable } from '../db/pool.js';
import { type ApiTokenRepository, createApiTokenRepository } from './api-token-repository.js';
import {
  createLoginLockoutRepository,
  LOGIN_LOCKOUT,
  type LockoutPolicy,
} from './login-lockout-repository.js';
import { createPasswordLogin, type PasswordLogin } from './password-login.js';
import { createUserRepository, type UserRepository } from './user-repository.js';

/** Everything the HTTP auth layer needs; built once in the composition root. */
export interface AuthDeps {
  /** HS256 signing secret for access tokens (JWT_SECRET, or kgdb_secrets via resolveJwtSecret). */
  jwtSecret: string;
  users: UserRepository;
  tokens: ApiTokenRepository;
  passwords: PasswordLogin;
  /** Lifetime of a login's access token; reported to clients as `expires_in`. */
  accessTokenTtlSeconds: number;
  /**
   * Login attempts per client address per window. Counted in this process's memory, so with N
   * instances behind a balancer an address gets up to N× this; put a shared limit in front for more.
   */
  loginRateLimit: { max: number; timeWindowMs: number };
  /**
   * Failed password logins per account, counted in the database (all instances agree): this many in the
   * window lock the account until the window has passed or `kgdb users unlock`. Builds `passwords`.
   */
  loginLockout: LockoutPolicy;
  /** KGDB_METRICS_TOKEN: when set, GET /metrics requires `Authorization: Bearer <it>`; unset = public. */
  metricsToken: string | undefined;
}

/** 30 minutes, upstream's access-token lifetime; there is no refresh token, clients log in again. */
const ACCESS_TOKEN_TTL_SECONDS = 30 * 60;
const LOGIN_RATE_LIMIT = { max: 10, timeWindowMs: 60_000 } as const;

export function createAuthDeps(
  db: Queryable,
  options: { jwtSecret: string } & Partial<Omit<AuthDeps, 'jwtSecret'>>,
): AuthDeps {
  const users = options.users ?? createUserRepository(db);
  const loginLockout = options.loginLockout ?? LOGIN_LOCKOUT;
  return {
    jwtSecret: options.jwtSecret,
    users,
    tokens: options.tokens ?? createApiTokenRepository(db),
    passwords:
      options.passwords ??
      createPasswordLogin(users, { lockouts: createLoginLockoutRepository(db), lockout: loginLockout }),
    accessTokenTtlSeconds: options.accessTokenTtlSeconds ?? ACCESS_TOKEN_TTL_SECONDS,
    loginRateLimit: options.loginRateLimit ?? LOGIN_RATE_LIMIT,
    loginLockout,
    metricsToken: options.metricsToken,
  };
}
