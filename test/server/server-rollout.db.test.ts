import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../src/app/serve.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { silentProgress } from '../../src/progress.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { insertGenes, refreshMaterializedViews } from '../helpers/views.js';

// Through the real composition root (startServer): the gene and log routes go through
// use_database_views and enable_shadow_testing, and the arm shows in the metrics.

let db: TestDatabase;
let server: RunningServer;

const setFlag = (key: string, percentage: number, step: number | null = null) =>
  db.pool.query(
    `update feature_flags set enabled = true, percentage = $2, step = coalesce($3, step) where key = $1`,
    [key, percentage, step],
  );

async function armsServed(route: string): Promise<Record<string, number>> {
  const text = (await server.app.inject({ url: '/metrics' })).body;
  const counts: Record<string, number> = {};
  const pattern = /^kgdb_http_request_duration_seconds_count\{([^}]*)\} (\d+)/gm;
  for (const [, labels = '', value] of text.matchAll(pattern)) {
    if (!labels.includes(`route="${route}"`)) continue;
    const arm = /arm="([^"]*)"/.exec(labels)?.[1] ?? '';
    counts[arm] = (counts[arm] ?? 0) + Number(value);
  }
  return counts;
}

/** Recorded gene_list comparisons of live traffic (all instances' windows). */
async function liveOutcomes(): Promise<number> {
  const { rows } = await db.pool.query<{ compared: number }>(
    `select coalesce(sum(match + mismatch + ignored + candidate_error + control_error + timeout), 0)::int as compared
       from kgdb_experiment_windows where experiment = 'gene_list' and source = 'live'`,
  );
  return rows[0]?.compared ?? 0;
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  db = await createTestDatabase();
  await insertGenes(db.pool, [
    { symbol: 'PKD1', hgncId: 'HGNC:9008', evidence: { ClinGen: { classifications: ['Definitive'] } } },
    { symbol: 'PKD2', hgncId: 'HGNC:9009', evidence: { GenCC: { classifications: ['Strong'] } } },
  ]);
  await refreshMaterializedViews(db.pool);
  // Start on the legacy arm with no shadowing, whatever a migration chose for a fresh database.
  await setFlag('use_database_views', 0, 0);
  await setFlag('enable_shadow_testing', 0);
  const config = { ...loadConfig({ DATABASE_URL: db.url, KGDB_SEED_DEMO: 'false' }), port: 0, poolSize: 4 };
  server = await startServer(config, createLogger('silent'), silentProgress);
});
afterAll(async () => {
  await server?.close();
  await db?.drop();
});

describe('routes behind use_database_views', () => {
  it('serves GET /api/genes/ from legacy at 0 % and from views at 100 %, with identical bodies', async () => {
    const legacy = await server.app.inject({ url: '/api/genes/' });
    expect(legacy.statusCode).toBe(200);
    expect((await armsServed('/api/genes')).legacy).toBeGreaterThanOrEqual(1);

    await setFlag('use_database_views', 100, 5);
    await waitFor('the flag change to reach the snapshot', async () => {
      await server.app.inject({ url: '/api/genes/' });
      return ((await armsServed('/api/genes')).views ?? 0) > 0;
    });
    const views = await server.app.inject({ url: '/api/genes/' });
    expect(views.json()).toEqual(legacy.json());
    expect((await server.app.inject({ url: '/api/genes/pkd1' })).json().data.attributes.approved_symbol).toBe(
      'PKD1',
    );
  });

  it('shadows the views path on the sampled share while legacy serves, recording outcomes in the database', async () => {
    await setFlag('use_database_views', 0, 0);
    await setFlag('enable_shadow_testing', 100);
    await waitFor('a shadowed gene_list call to be recorded', async () => {
      const res = await server.app.inject({ url: '/api/genes/?sort=approved_symbol' });
      expect(res.statusCode).toBe(200);
      return (await liveOutcomes()) > 0;
    });
  });

  it('serves from the views at 100 % and still verifies legacy against views on the sampled share', async () => {
    const { rollout } = server.app;
    await setFlag('enable_shadow_testing', 100);
    await setFlag('use_database_views', 100, 5);
    await waitFor(
      'both flag changes to reach the snapshot',
      async () =>
        rollout.flags.get('enable_shadow_testing')?.percentage === 100 &&
        rollout.flags.get('use_database_views')?.step === 5,
    );
    await rollout.experimenter.drain();
    await rollout.writer.flush();
    const before = await liveOutcomes();
    const viewsBefore = (await armsServed('/api/genes')).views ?? 0;
    const res = await server.app.inject({ url: '/api/genes/?sort=-evidence_score' });
    expect(res.statusCode).toBe(200);
    expect(res.json().data.length).toBeGreaterThan(0);
    await rollout.experimenter.drain();
    await rollout.writer.flush();
    // The views served it, and the verification compared legacy with views.
    expect((await armsServed('/api/genes')).views).toBe(viewsBefore + 1);
    expect(await liveOutcomes()).toBe(before + 1);
    const { rows } = await db.pool.query<{ mismatch: number }>(
      `select coalesce(sum(mismatch), 0)::int as mismatch from kgdb_experiment_windows where experiment = 'gene_list'`,
    );
    expect(rows[0]?.mismatch).toBe(0);
  });
});
