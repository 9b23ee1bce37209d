import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueApiToken } from '../../src/auth/issue-api-token.js';
import { ADMIN_PREFIX, type RouteAccess } from '../../src/http/auth-plugin.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { addUser, bearer, buildAuthTestApp, loginAs } from './auth-test-kit.js';

// Every admin route answers 401 without credentials and 403 for a non-admin (docs/api.md, "Authentication and
// roles").
// The walk is generic: it covers every route the app registers, including admin routes added later.

let db: TestDatabase;
let app: FastifyInstance;
const credentials: Record<
  'viewer' | 'curator' | 'admin',
  { label: string; headers: Record<string, string> }[]
> = {
  viewer: [],
  curator: [],
  admin: [],
};

const PROBES = [
  { method: 'GET', url: '/api/admin/__probe/:id' }, // no role declared: admin by its path
  { method: 'DELETE', url: '/api/admin/__probe' }, // strict query schema: 401/403 must come before 400
  { method: 'POST', url: '/api/ops/__probe' }, // outside /api/admin, declares role admin
] as const;

beforeAll(async () => {
  db = await createTestDatabase();
  ({ app } = await buildAuthTestApp(db.pool, { loginRateLimit: { max: 1000, timeWindowMs: 60_000 } }));
  const ok = async () => ({ ok: true });
  app.get('/api/admin/__probe/:id', ok);
  app.delete(
    '/api/admin/__probe',
    {
      schema: {
        querystring: {
          type: 'object',
          properties: { days: { type: 'integer', minimum: 0 } },
          required: ['days'],
          additionalProperties: false,
        },
      },
    },
    ok,
  );
  app.post('/api/ops/__probe', { config: { role: 'admin' } }, ok);
  app.get('/api/ops/__curated', { config: { role: 'curator' } }, ok);
  await app.ready();

  for (const role of ['viewer', 'curator', 'admin'] as const) {
    const { user, password } = await addUser(db.pool, role);
    const { token } = await issueApiToken(db.pool, { role, name: `walk ${role}` });
    credentials[role].push(
      { label: `${role} JWT`, headers: bearer(await loginAs(app, user.username, password)) },
      { label: `${role} API token`, headers: bearer(token) },
    );
  }
});
afterAll(async () => {
  await app.close();
  await db.drop();
});

const isAdminRoute = (r: RouteAccess) =>
  r.role === 'admin' || r.url === ADMIN_PREFIX || r.url.startsWith(`${ADMIN_PREFIX}/`);
/** A concrete URL for a route pattern: every path parameter and wildcard becomes '1'. */
const concrete = (url: string) => url.replace(/:[A-Za-z0-9_]+(\([^)]*\))?/g, '1').replace(/\*/g, '1');
const adminRoutes = () => app.routeAccess.filter(isAdminRoute);

/** Full paths and methods from fastify's own route tree (independent of the auth plugin's bookkeeping). */
function routerPaths(): { method: string; url: string }[] {
  const found: { method: string; url: string }[] = [];
  const stack: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const m = /^((?:│ {3}| {4})*)(?:├── |└── )(.*?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!m) continue;
    const depth = (m[1] ?? '').length / 4;
    const path = `${depth > 0 ? stack[depth - 1] : ''}${m[2]}`;
    stack[depth] = path;
    for (const method of m[3]?.split(', ') ?? []) found.push({ method, url: path });
  }
  return found;
}

describe('walk every admin route', () => {
  it('finds the probes and every router path under /api/admin in app.routeAccess', () => {
    const admin = adminRoutes();
    for (const probe of PROBES) expect(admin).toContainEqual({ ...probe, role: 'admin' });
    // The HEAD twin of a GET admin route is protected too.
    expect(admin).toContainEqual({ method: 'HEAD', url: '/api/admin/__probe/:id', role: 'admin' });
    const underAdmin = routerPaths().filter((r) => r.url.startsWith(ADMIN_PREFIX));
    expect(underAdmin.length).toBeGreaterThanOrEqual(3);
    for (const r of underAdmin) {
      expect(app.routeAccess, `${r.method} ${r.url} registered before the auth plugin?`).toContainEqual({
        ...r,
        role: 'admin',
      });
    }
  });

  it('every admin route answers 401 in the envelope without credentials', async () => {
    for (const route of adminRoutes()) {
      const res = await app.inject({ method: route.method as 'GET', url: concrete(route.url) });
      const where = `${route.method} ${route.url}`;
      expect(res.statusCode, where).toBe(401);
      expect(res.headers['www-authenticate'], where).toBe('Bearer');
      if (route.method !== 'HEAD')
        expect(res.json().error, where).toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
    }
  });

  it('every admin route answers 401 for a malformed or unknown credential', async () => {
    for (const route of adminRoutes()) {
      for (const authorization of ['Basic YWRtaW46YWRtaW4=', 'Bearer kgdb_unknown', 'Bearer e30.e30.e30']) {
        const res = await app.inject({
          method: route.method as 'GET',
          url: concrete(route.url),
          headers: { authorization },
        });
        expect(res.statusCode, `${route.method} ${route.url} with ${authorization}`).toBe(401);
      }
    }
  });

  it('every admin route answers 403 for a viewer and a curator (JWT and API token)', async () => {
    for (const route of adminRoutes()) {
      for (const { label, headers } of [...credentials.viewer, ...credentials.curator]) {
        const res = await app.inject({ method: route.method as 'GET', url: concrete(route.url), headers });
        const where = `${route.method} ${route.url} as ${label}`;
        expect(res.statusCode, where).toBe(403);
        if (route.method !== 'HEAD') {
          expect(res.json().error, where).toMatchObject({ status: 403, code: 'FORBIDDEN' });
          expect(res.json().error.detail, where).toMatch(
            /^Requires role 'admin'; these credentials have '(viewer|curator)'$/,
          );
        }
      }
    }
  });

  it('admins get through (probes only: real admin routes have side effects)', async () => {
    for (const { label, headers } of credentials.admin) {
      expect(
        (await app.inject({ method: 'GET', url: '/api/admin/__probe/7', headers })).statusCode,
        label,
      ).toBe(200);
      expect((await app.inject({ method: 'POST', url: '/api/ops/__probe', headers })).statusCode, label).toBe(
        200,
      );
      const noDays = await app.inject({ method: 'DELETE', url: '/api/admin/__probe', headers });
      expect(noDays.statusCode, label).toBe(400); // past auth, validation speaks
      expect(
        (await app.inject({ method: 'DELETE', url: '/api/admin/__probe?days=3', headers })).statusCode,
      ).toBe(200);
    }
  });

  it('a lesser role declared on a route admits that role and above', async () => {
    const [viewer] = credentials.viewer;
    const [curator] = credentials.curator;
    const [admin] = credentials.admin;
    const call = (headers?: Record<string, string>) =>
      app.inject({ method: 'GET', url: '/api/ops/__curated', headers });
    expect((await call()).statusCode).toBe(401);
    expect((await call(viewer?.headers)).statusCode).toBe(403);
    expect((await call(curator?.headers)).statusCode).toBe(200);
    expect((await call(admin?.headers)).statusCode).toBe(200);
  });

  it('public routes stay public', () => {
    const publicRoutes = app.routeAccess.filter((r) => r.role === null).map((r) => `${r.method} ${r.url}`);
    expect(publicRoutes).toEqual(expect.arrayContaining(['GET /health', 'POST /api/auth/login']));
    expect(app.routeAccess).toContainEqual({ method: 'GET', url: '/api/auth/me', role: 'viewer' });
  });
});

describe('route declarations', () => {
  it('refuse a role below admin under /api/admin, and unknown roles anywhere', async () => {
    const { app: other } = await buildAuthTestApp(db.pool);
    try {
      expect(() => other.get('/api/admin/open', { config: { role: 'viewer' } }, async () => 1)).toThrow(
        "/api/admin/open: routes under /api/admin require role 'admin', not 'viewer'",
      );
      expect(() => other.get('/api/x', { config: { role: 'root' as 'admin' } }, async () => 1)).toThrow(
        /config.role must be one of viewer, curator, admin, got 'root'/,
      );
    } finally {
      await other.close();
    }
  });

  it('mark protected routes with the OpenAPI security requirement', async () => {
    const { app: other } = await buildAuthTestApp(db.pool);
    let seen: unknown;
    other.addHook('onRoute', (route) => {
      if (route.url === '/api/admin/documented') seen = route.schema;
    });
    other.get('/api/admin/documented', { schema: { summary: 'x' } }, async () => 1);
    await other.ready();
    await other.close();
    expect(seen).toMatchObject({ summary: 'x', security: [{ OAuth2PasswordBearer: [] }] });
  });
});
