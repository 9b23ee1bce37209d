import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../src/app/serve.js';
import { issueApiToken } from '../../src/auth/issue-api-token.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { silentProgress } from '../../src/progress.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { insertGenes, refreshMaterializedViews } from '../helpers/views.js';

/**
 * docs/rollout.md, "Which arm served": every gene and admin-log response names the arm that served it, its
 * database time and whether the cache answered, in a Server-Timing header. Through the real composition root.
 */

let db: TestDatabase;
let server: RunningServer;
let admin: Record<string, string>;

interface Timing {
  db: number;
  arm: string;
  cache?: string;
}

function parse(header: string | string[] | number | undefined): Timing {
  expect(typeof header, 'a Server-Timing header').toBe('string');
  const parts = Object.fromEntries(
    String(header)
      .split(',')
      .map((p) => p.trim().split(';'))
      .map(([name = '', param = '']) => [name, param]),
  );
  const desc = (p?: string) => /^desc="([^"]*)"$/.exec(p ?? '')?.[1];
  return {
    db: Number(/^dur=([\d.]+)$/.exec(parts.db ?? '')?.[1]),
    arm: desc(parts.arm) ?? '',
    ...(parts.cache !== undefined && { cache: desc(parts.cache) }),
  };
}

const get = async (url: string, headers: Record<string, string> = {}) => {
  const res = await server.app.inject({ url, headers });
  expect(res.statusCode, res.body).toBe(200);
  return parse(res.headers['server-timing']);
};

/** Waits until this instance's snapshot serves `arm` (a flag change arrives by NOTIFY). */
async function servedBy(arm: string, url: string): Promise<Timing> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const t = await get(url);
    if (t.arm === arm) return t;
    if (Date.now() > deadline) throw new Error(`still served by ${t.arm}, waiting for ${arm}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  db = await createTestDatabase();
  await insertGenes(db.pool, [
    { symbol: 'PKD1', hgncId: 'HGNC:9008', evidence: { ClinGen: { classifications: ['Definitive'] } } },
  ]);
  await refreshMaterializedViews(db.pool);
  const config = { ...loadConfig({ DATABASE_URL: db.url, KGDB_SEED_DEMO: 'false' }), port: 0, poolSize: 4 };
  server = await startServer(config, createLogger('silent'), silentProgress);
  const { token } = await issueApiToken(db.pool, { role: 'admin', name: 'server-timing test' });
  admin = { authorization: `Bearer ${token}` };
});
afterAll(async () => {
  await server?.close();
  await db?.drop();
});

describe('Server-Timing', () => {
  it('a database initialised from empty serves the views: a miss reads the database, a repeat is a cache hit', async () => {
    const miss = await get('/api/genes/?sort=approved_symbol');
    expect(miss).toMatchObject({ arm: 'views', cache: 'miss' });
    expect(miss.db).toBeGreaterThan(0);
    expect(await get('/api/genes/?sort=approved_symbol')).toEqual({ arm: 'views', cache: 'hit', db: 0 });
    for (const url of ['/api/genes/PKD1', '/api/genes/PKD1/evidence'])
      expect((await get(url)).arm).toBe('views');
  });

  it('admin log routes name their arm too', async () => {
    expect((await get('/api/admin/logs/', admin)).arm).toBe('views');
    expect((await get('/api/admin/logs/statistics', admin)).arm).toBe('views');
  });

  it('on the legacy arm: its own database time, no cache for the page', async () => {
    await db.pool.query(`update feature_flags set step = 0 where key = 'use_database_views'`);
    const legacy = await servedBy('legacy', '/api/genes/?sort=-approved_symbol');
    expect(legacy.db).toBeGreaterThan(0);
    const again = await get('/api/genes/?sort=-approved_symbol');
    // Only the list facts are cached on the legacy arm; the page always reads the database.
    expect(again).toMatchObject({ arm: 'legacy', cache: 'miss' });
    expect(again.db).toBeGreaterThan(0);
    expect((await get('/api/genes/PKD1/evidence')).arm).toBe('legacy');
  });

  it('routes outside an arm carry no header', async () => {
    const res = await server.app.inject({ url: '/health' });
    expect(res.headers['server-timing']).toBeUndefined();
  });
});
