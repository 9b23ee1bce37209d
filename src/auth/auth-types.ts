/**
 * Glossary
 * - user: a person with an account (users table) who logs in with a password and gets a JWT.
 * - access token: the JWT from `POST /api/auth/login`, short-lived, names the user in `sub`.
 * - API token: a long-lived `kgdb_…` secret for scripts (`kgdb tokens create`), stored only as a hash;
 *   it carries a role but belongs to no user.
 * - principal: whoever a request's credentials resolve to, user or API token; `request.user`.
 * - role: viewer < curator < admin; a route declares the least role it needs (`config: { role }`).
 */
import type { Role } from './roles.js';

/** A user as the application sees it: never the password hash. */
export interface User {
  id: number;
  email: string;
  username: string;
  full_name: string | null;
  role: Role;
  is_active: boolean;
  last_login: Date | null;
  created_at: Date;
  updated_at: Date;
}

/** An API token's stored row: never the token itself. */
export interface ApiToken {
  id: number;
  name: string;
  role: Role;
  display_prefix: string;
  created_at: Date;
  last_used_at: Date | null;
  expires_at: Date | null;
  revoked_at: Date | null;
}

export type Principal =
  | { kind: 'user'; role: Role; user: User }
  | { kind: 'api_token'; role: Role; token: ApiToken };

/** The users.id behind a principal, for logs and stickiness; API tokens have none. */
export function principalUserId(principal: Principal | null): number | null {
  return principal?.kind === 'user' ? principal.user.id : null;
}

/** Who a principal acts as in audit records: 'user:alice', 'token:ci', or 'anonymous'. */
export function principalActor(principal: Principal | null): string {
  if (principal?.kind === 'user') return `user:${principal.user.username}`;
  if (principal?.kind === 'api_token') return `token:${principal.token.name}`;
  return 'anonymous';
}
