/** Roles in ascending order of power: each role can do everything the roles before it can. */
export const ROLES = ['viewer', 'curator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** True when `actual` is `required` or a more powerful role. */
export function hasRole(actual: Role, required: Role): boolean {
  return ROLES.indexOf(actual) >= ROLES.indexOf(required);
}

/** Upstream's `permissions` list per role (its `User.get_permissions`), reported by `GET /api/auth/me`. */
export const ROLE_PERMISSIONS = {
  viewer: ['genes:read', 'annotations:read'],
  curator: ['genes:read', 'genes:write', 'annotations:read', 'annotations:write', 'ingestion:run'],
  admin: [
    'users:read',
    'users:write',
    'users:delete',
    'genes:read',
    'genes:write',
    'genes:delete',
    'annotations:read',
    'annotations:write',
    'annotations:delete',
    'ingestion:run',
    'cache:manage',
    'logs:read',
    'system:manage',
  ],
} as const satisfies Record<Role, readonly string[]>;

export type AccessVerdict =
  | { kind: 'allow' }
  | { kind: 'unauthenticated' }
  | { kind: 'forbidden'; have: Role };

/** The access rule for one request: no role required → allow; else a principal of at least that role. */
export function accessVerdict(principalRole: Role | undefined, required: Role | undefined): AccessVerdict {
  if (required === undefined) return { kind: 'allow' };
  if (principalRole === undefined) return { kind: 'unauthenticated' };
  return hasRole(principalRole, required) ? { kind: 'allow' } : { kind: 'forbidden', have: principalRole };
}
