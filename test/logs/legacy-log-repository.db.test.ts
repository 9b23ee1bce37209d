import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLegacyLogRepository } from '../../src/logs/legacy/legacy-log-repository.js';
import { adminLogsExperiment } from '../../src/logs/log-experiments.js';
import { parseLogQuery } from '../../src/logs/log-query.js';
import type { LogQuery } from '../../src/logs/log-repository.js';
import { createViewLogRepository } from '../../src/logs/views/view-log-repository.js';
import { specFields } from '../../src/rollout/experiments/experiment-registry.js';
import { createExperimenter } from '../../src/rollout/experiments/experimenter.js';
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

  it('the admin_logs experiment declares exactly that difference: ignored as estimated_log_total', async () => {
    const views = createViewLogRepository(db.pool);
    const definition = adminLogsExperiment({
      legacy: createLegacyLogRepository(db.pool),
      views,
      served: views,
    });
    const experimenter = createExperimenter({ recorder: { record: () => {} } });
    const run = (q: LogQuery) => experimenter.runNow(specFields(definition, q));
    const capped = await run(parseLogQuery({ source: 'api', sort_by: 'duration_ms', limit: 3 }));
    expect(capped).toMatchObject({ outcome: 'ignored', rules: ['estimated_log_total'] });
    expect(capped.diff.join('\n')).toMatch(/^total: 10050 → /);
    // Below the cap both count exactly: nothing to declare.
    const exact = await run(parseLogQuery({ level: 'INFO', end_time: '2026-09-01T00:01:00Z' }));
    expect(exact.outcome).toBe('match');
  });
});
