import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withClient } from '../../src/db/pool.js';
import { createLegacyLogRepository } from '../../src/logs/legacy-log-repository.js';
import { parseLogQuery } from '../../src/logs/log-query.js';
import { createViewLogRepository } from '../../src/logs/view-log-repository.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { ensureLogView, insertLogs } from './log-fixture.js';

// What the legacy arm does differently from the views arm, on purpose: it counts every matching row.

let db: TestDatabase;
const ADMIN_ROWS = 10_050;

beforeAll(async () => {
  db = await createTestDatabase();
  await ensureLogView(db.pool);
  await db.pool.query(
    `insert into system_logs (timestamp, level, logger, path, status_code, duration_ms)
     select timestamptz '2026-09-01T00:00:00Z' + g * interval '1 second', 'INFO', 'app.api', '/a', 200, g % 7
       from generate_series(1, $1::integer) g`,
    [ADMIN_ROWS],
  );
  await insertLogs(db.pool, [{ timestamp: '2026-09-02T00:00:00Z', logger: 'app.api', path: null }]);
  await db.pool.query('analyze system_logs');
});
afterAll(async () => {
  await db?.drop();
});

describe('legacy log repository', () => {
  it('counts exactly past the views arm’s cap, over the same rows', async () => {
    const q = parseLogQuery({ source: 'api', sort_by: 'duration_ms', limit: 3 });
    const legacy = await createLegacyLogRepository(db.pool).query(q);
    const views = await createViewLogRepository(db.pool).query(q);
    expect(legacy).toMatchObject({ total: ADMIN_ROWS, totalExact: true });
    expect(views.totalExact).toBe(false);
    // Everything but the count is the same page.
    expect({ ...legacy, total: views.total, totalExact: false }).toEqual(views);
  });

  it('answers the same on a checked-out client, which runs its two statements one after the other', async () => {
    const q = parseLogQuery({ sort_by: 'timestamp', sort_order: 'asc', limit: 2, offset: 10 });
    const onPool = await createLegacyLogRepository(db.pool).query(q);
    const onClient = await withClient(db.pool, (client) => createLegacyLogRepository(client).query(q));
    expect(onClient).toEqual(onPool);
    expect(onPool.logs.map((l) => l.timestamp)).toEqual([
      '2026-09-01T00:00:11.000000+00:00',
      '2026-09-01T00:00:12.000000+00:00',
    ]);
  });
});
