import { runner } from 'node-pg-migrate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIGRATIONS_DIR, migrate } from '../../src/db/migrate.js';
import { withClient } from '../../src/db/pool.js';
import { createLogger } from '../../src/logger.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

/**
 * docs/rollout.md, "Fresh installs and upgrades": a database kgdb initialises from empty serves the views at
 * once, with 1 % of calls verified against the legacy arm; a database that already holds genes when it gains
 * the flags starts at 0 % and rolls out.
 */

const logger = createLogger('silent');

async function flags(db: TestDatabase) {
  const { rows } = await db.pool.query<{ key: string; percentage: number; step: number }>(
    `select key, percentage::float8 as percentage, step from feature_flags
      where key in ('use_database_views', 'enable_shadow_testing') order by key`,
  );
  return Object.fromEntries(rows.map((r) => [r.key, { percentage: r.percentage, step: r.step }]));
}

let fresh: TestDatabase;
let upgraded: TestDatabase;

beforeAll(async () => {
  fresh = await createTestDatabase(2, 'template0');
  upgraded = await createTestDatabase(2, 'template0');
});
afterAll(async () => {
  await fresh.drop();
  await upgraded.drop();
});

describe('fresh installs serve the views; upgrades roll out', () => {
  it('kgdb migrate on an empty database: use_database_views at 100 %, shadow verification at 1 %, audited', async () => {
    await migrate(fresh.pool, logger);
    expect(await flags(fresh)).toEqual({
      enable_shadow_testing: { percentage: 1, step: 0 },
      use_database_views: { percentage: 100, step: 5 },
    });
    const { rows } = await fresh.pool.query<{ flag_key: string; actor: string; reason: string }>(
      `select flag_key, actor, reason from feature_flag_events where actor = 'migration:0008' order by id`,
    );
    expect(rows.map((r) => r.flag_key)).toEqual(['use_database_views', 'enable_shadow_testing']);
    expect(rows[0]?.reason).toMatch(/fresh install/);
  });

  it('a database with genes that gains the flags through a migration starts at 0 %', async () => {
    // The schema of an install from before the flags existed, with data in it.
    await withClient(upgraded.pool, (client) =>
      runner({
        dbClient: client,
        dir: MIGRATIONS_DIR,
        direction: 'up',
        migrationsTable: 'kgdb_migrations',
        count: 4,
        noLock: true,
        log: () => {},
      }),
    );
    await upgraded.pool.query(`insert into genes (approved_symbol) values ('PKD1')`);
    expect(await migrate(upgraded.pool, logger)).toContain('0008_fresh-install-serves-views');
    expect(await flags(upgraded)).toEqual({
      enable_shadow_testing: { percentage: 0, step: 0 },
      use_database_views: { percentage: 0, step: 0 },
    });
  });
});
