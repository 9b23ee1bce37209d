import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '../../src/db/migrate.js';
import { createPool, type Pool } from '../../src/db/pool.js';
import { createLogger } from '../../src/logger.js';
import { applyViews } from '../../src/views/apply.js';
import { VIEWS } from '../../src/views/defs/index.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

// Migrations are idempotent and safe when two servers start at once.

const logger = createLogger('silent');
let db: TestDatabase;
let other: Pool;

beforeAll(async () => {
  db = await createTestDatabase(3, 'template0');
  other = createPool({ connectionString: db.url, max: 3 });
});
afterAll(async () => {
  await other.end();
  await db.drop();
});

describe('migrate', () => {
  it('two processes migrating an empty database at once: one applies everything, the other nothing', async () => {
    const [a, b] = await Promise.all([migrate(db.pool, logger), migrate(other, logger)]);
    const applied = [a, b].sort((x, y) => y.length - x.length);
    expect(applied[0]?.[0]).toBe('0001_core-tables');
    expect(applied[1]).toEqual([]);
    const { rows } = await db.pool.query<{ n: number }>(
      `select count(*)::int as n from pg_tables where schemaname = 'public'
          and tablename in ('genes', 'gene_evidence', 'system_logs', 'feature_flags', 'kgdb_view_registry')`,
    );
    expect(rows[0]?.n).toBe(5);
  });

  it('is idempotent: a third run applies nothing', async () => {
    expect(await migrate(db.pool, logger)).toEqual([]);
  });

  it('two view applies at once: one creates the views, the other finds nothing to do', async () => {
    const [a, b] = await Promise.all([applyViews(db.pool, VIEWS), applyViews(other, VIEWS)]);
    const ddl = [a.ddl.length, b.ddl.length].sort((x, y) => x - y);
    expect(ddl[0]).toBe(0);
    expect(ddl[1]).toBeGreaterThan(VIEWS.length);
  });
});
