import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { issueApiToken } from '../../src/auth/issue-api-token.js';
import { testApp } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

// No query key is silently ignored: a route that declares no query string answers 400 to any key, naming
// it, like the routes that declare theirs. Checked over every GET route of the OpenAPI document without
// path parameters, so a route added later is covered too.

let db: TestDatabase;
let app: FastifyInstance;
let admin: { authorization: string };
let paths: string[];
/** Per path, its required query parameters with a value, so the unknown key is what a 400 names. */
let required: Map<string, string>;

beforeAll(async () => {
  db = await createTestDatabase();
  app = await testApp(db.pool);
  admin = { authorization: `Bearer ${(await issueApiToken(db.pool, { role: 'admin', name: 'ops' })).token}` };
  const spec = (await app.inject({ url: '/openapi.json' })).json() as {
    paths: Record<string, { get?: { parameters?: { in: string; name: string; required?: boolean }[] } }>;
  };
  const gets = Object.entries(spec.paths).filter(
    ([path, ops]) => ops.get !== undefined && !path.includes('{'),
  );
  paths = gets.map(([path]) => path);
  required = new Map(
    gets.map(([path, ops]) => [
      path,
      (ops.get?.parameters ?? [])
        .filter((p) => p.in === 'query' && p.required)
        .map((p) => `${encodeURIComponent(p.name)}=x&`)
        .join(''),
    ]),
  );
});
afterAll(async () => {
  await app.close();
  await db.drop();
});

describe('an unknown query key', () => {
  it('finds the GET routes, including those that declare no query string', () => {
    expect(paths).toEqual(
      expect.arrayContaining(['/health', '/version', '/metrics', '/api/admin/feature-flags', '/api/auth/me']),
    );
  });

  it('is a 400 naming the key on every GET route', async () => {
    const answers = await Promise.all(
      paths.map(async (path) => {
        const res = await app.inject({ url: `${path}?${required.get(path)}kgdb_unknown=1`, headers: admin });
        const error = res.json().error ?? {};
        return { path, status: res.statusCode, parameter: error.source?.parameter };
      }),
    );
    expect(answers.filter((a) => a.status !== 400 || a.parameter !== 'kgdb_unknown')).toEqual([]);
  });

  it('a route without a query string says it takes none', async () => {
    const res = await app.inject({ url: '/health?verbose=1' });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'INVALID_PARAMETER', source: { parameter: 'verbose' } });
  });

  it('the OpenAPI document and its UI stay outside the API and accept what a browser sends', async () => {
    expect((await app.inject({ url: '/openapi.json?v=1' })).statusCode).toBe(200);
  });
});
