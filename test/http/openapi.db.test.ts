import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

const UPSTREAM = path.resolve(import.meta.dirname, '../../../shared/data/upstream/openapi.snapshot.json');

interface Parameter {
  name: string;
  in: string;
}
type Spec = { openapi: string; paths: Record<string, Record<string, { parameters?: Parameter[] }>> };

let db: TestDatabase;
let app: FastifyInstance;
let spec: Spec;

beforeAll(async () => {
  db = await createTestDatabase();
  app = await testApp(db.pool);
  spec = (await app.inject({ url: '/openapi.json' })).json();
});
afterAll(async () => {
  await app.close();
  await db.drop();
});

/** `/api/genes/{gene_symbol}` and `/api/genes/{symbol}` are the same route; the trailing slash is optional. */
const normalize = (p: string) => p.replace(/\{[^}]+\}/g, '{}').replace(/\/$/, '');

describe('GET /openapi.json and /docs', () => {
  it('is an OpenAPI 3 document generated from the route schemas', () => {
    expect(spec.openapi).toMatch(/^3\./);
    const paths = Object.keys(spec.paths).map(normalize);
    for (const route of [
      '/api/genes',
      '/api/genes/{}',
      '/api/genes/{}/evidence',
      '/api/admin/logs',
      '/health',
    ]) {
      expect(paths).toContain(route);
    }
    const list = Object.entries(spec.paths).find(([p]) => normalize(p) === '/api/genes')?.[1].get;
    expect(list?.parameters?.map((p) => p.name)).toContain('filter[search]');
  });

  it('serves an API docs page', async () => {
    const res = await app.inject({ url: '/docs' });
    expect([200, 302]).toContain(res.statusCode);
  });
});

describe.skipIf(!existsSync(UPSTREAM))(
  'compatibility with upstream (../shared/data/upstream/openapi.snapshot.json)',
  () => {
    it('every GET route both have accepts every query and path parameter upstream declares', () => {
      const upstream = JSON.parse(readFileSync(UPSTREAM, 'utf8')) as Spec;
      const ours = new Map(Object.entries(spec.paths).map(([p, ops]) => [normalize(p), ops]));
      const shared = Object.entries(upstream.paths).filter(
        ([p, ops]) => ops.get && ours.get(normalize(p))?.get,
      );
      expect(shared.length).toBeGreaterThanOrEqual(8);
      const missing = shared.flatMap(([p, ops]) => {
        const ourNames = new Set(
          (ours.get(normalize(p))?.get?.parameters ?? []).map((x) => `${x.in}:${x.name}`),
        );
        return (ops.get?.parameters ?? [])
          .filter((x) => x.in !== 'path' && !ourNames.has(`${x.in}:${x.name}`))
          .map((x) => `${p} ${x.in}:${x.name}`);
      });
      expect(missing).toEqual([]);
    });
  },
);
