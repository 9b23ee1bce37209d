import { describe, expect, it } from 'vitest';
import { withTransaction } from '../../src/db/pool.js';
import { insertGenes, refreshMaterializedViews, useEmptyDatabase } from '../helpers/views.js';

// admin_logs_filtered, genes_current, source_overlap_statistics (docs/data-model.md).

const db = useEmptyDatabase();

describe('admin_logs_filtered', () => {
  it('API logs only, with user_email, action, endpoint, status_category, UTC log_date and log_hour', async () => {
    const user = await db.pool.query<{ id: number }>(
      `insert into users (email, username, hashed_password) values ('ada@example.org', 'ada', 'x') returning id`,
    );
    const userId = user.rows[0]?.id;
    await db.pool.query(
      `insert into system_logs (timestamp, level, logger, message, path, status_code, user_id, context)
       select t.ts::timestamptz, 'INFO', 'kgdb.http', t.msg, t.path, t.status, t.user_id, t.context::jsonb
         from (values
           ('2024-03-01T23:30:00Z', 'ok', '/api/genes', 200, $1::bigint, '{"action": "list", "endpoint": "genes"}'),
           ('2024-03-02T00:10:00Z', 'edge ok', '/api/genes', 399, null, null),
           ('2024-03-02T01:00:00Z', 'bad', '/api/genes/X', 400, null, '{}'),
           ('2024-03-02T02:00:00Z', 'edge bad', '/api/genes/X', 499, null, null),
           ('2024-03-02T03:00:00Z', 'boom', '/api/admin/logs', 500, null, null),
           ('2024-03-02T04:00:00Z', 'no status', '/api/admin/logs', null, null, null),
           ('2024-03-02T05:00:00Z', 'background job', null, 200, null, null)
         ) as t(ts, msg, path, status, user_id, context)`,
      [userId],
    );
    // A session far from UTC must not move log_date / log_hour.
    const result = await withTransaction(db.pool, async (client) => {
      await client.query(`set local time zone 'Asia/Tokyo'`);
      const { rows } = await client.query(
        `select message, user_id, user_email, action, endpoint, status_category,
                to_char(log_date, 'YYYY-MM-DD') as log_date, log_hour
           from admin_logs_filtered order by timestamp`,
      );
      return rows;
    });
    expect(result).toEqual([
      {
        message: 'ok',
        user_id: userId,
        user_email: 'ada@example.org',
        action: 'list',
        endpoint: 'genes',
        status_category: 'success',
        log_date: '2024-03-01',
        log_hour: 23,
      },
      {
        message: 'edge ok',
        user_id: null,
        user_email: null,
        action: null,
        endpoint: null,
        status_category: 'success',
        log_date: '2024-03-02',
        log_hour: 0,
      },
      {
        message: 'bad',
        user_id: null,
        user_email: null,
        action: null,
        endpoint: null,
        status_category: 'client_error',
        log_date: '2024-03-02',
        log_hour: 1,
      },
      {
        message: 'edge bad',
        user_id: null,
        user_email: null,
        action: null,
        endpoint: null,
        status_category: 'client_error',
        log_date: '2024-03-02',
        log_hour: 2,
      },
      {
        message: 'boom',
        user_id: null,
        user_email: null,
        action: null,
        endpoint: null,
        status_category: 'server_error',
        log_date: '2024-03-02',
        log_hour: 3,
      },
      // "server_error otherwise": a missing status is not < 400 nor < 500
      {
        message: 'no status',
        user_id: null,
        user_email: null,
        action: null,
        endpoint: null,
        status_category: 'server_error',
        log_date: '2024-03-02',
        log_hour: 4,
      },
    ]);
  });
});

describe('genes_current', () => {
  it("only genes whose valid_to is 'infinity'", async () => {
    const ids = await insertGenes(db.pool, [{ symbol: 'CURRENT' }, { symbol: 'RETIRED' }]);
    await db.pool.query(`update genes set valid_to = '2020-01-01' where id = $1`, [ids.get('RETIRED')]);
    const { rows } = await db.pool.query('select id, approved_symbol, valid_to from genes_current');
    expect(rows).toEqual([
      { id: ids.get('CURRENT'), approved_symbol: 'CURRENT', valid_to: Number.POSITIVE_INFINITY },
    ]);
  });
});

describe('source_overlap_statistics', () => {
  it('every pair source1 < source2 with overlap, totals and overlap / source1_total %', async () => {
    await insertGenes(db.pool, [
      { symbol: 'A', evidence: { PubTator: {}, Literature: {}, GenCC: {} } },
      { symbol: 'B', evidence: { PubTator: {}, Literature: {} } },
      { symbol: 'C', evidence: { PubTator: {} } },
      { symbol: 'D', evidence: { Literature: {}, HPO: {} } },
    ]);
    await refreshMaterializedViews(db.pool);
    const { rows } = await db.pool.query(
      'select * from source_overlap_statistics order by source1 collate "C", source2 collate "C"',
    );
    // totals: GenCC 1 (A), HPO 1 (D), Literature 3 (A, B, D), PubTator 3 (A, B, C); presence counts, not scores
    expect(rows.map((r) => Object.values(r))).toEqual([
      ['GenCC', 'HPO', 0, 1, 1, 0],
      ['GenCC', 'Literature', 1, 1, 3, 100], // A
      ['GenCC', 'PubTator', 1, 1, 3, 100], // A
      ['HPO', 'Literature', 1, 1, 3, 100], // D
      ['HPO', 'PubTator', 0, 1, 3, 0],
      ['Literature', 'PubTator', 2, 3, 3, 66.67], // A, B: 2 / 3 × 100 = 66.666… → 66.67
    ]);
  });
});
