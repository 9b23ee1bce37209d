import { describe, expect, it } from 'vitest';
import { legacyCountSql, legacyPageSql } from '../../src/logs/legacy/legacy-log-sql.js';
import { encodeCursor } from '../../src/logs/log-cursor.js';
import { parseLogQuery } from '../../src/logs/log-query.js';
import { LOG_SORT_FIELDS } from '../../src/logs/log-sort.js';
import { VIEWS } from '../../src/views/defs/index.js';

// The legacy arm's imports (nothing of the views arm's SQL) are test/architecture.test.ts's business; this file
// checks the SQL it sends.
describe('the legacy admin-log SQL is its own', () => {
  it('reads system_logs and no view, for every sort, order, filter and cursor', () => {
    const viewNames = VIEWS.map((v) => v.name);
    const cursor = encodeCursor({
      sortBy: 'status_code',
      sortOrder: 'asc',
      keys: ['200', 'app', '2026-10-01T00:00:00.000000+00:00'],
      id: 9,
    });
    const queries = [
      ...LOG_SORT_FIELDS.flatMap((sort_by) =>
        ['asc', 'desc'].map((sort_order) => parseLogQuery({ sort_by, sort_order })),
      ),
      parseLogQuery({ level: 'error', source: 'api', request_id: 'r', start_time: '2026-09-01', offset: 7 }),
      parseLogQuery({ cursor, end_time: '2026-10-01' }),
    ];
    for (const q of queries) {
      for (const { text } of [legacyPageSql(q), legacyCountSql(q)]) {
        expect(text).toContain('from system_logs s\n where s.path is not null');
        for (const view of viewNames) expect(text).not.toContain(view);
      }
    }
  });
});

describe('legacyPageSql and legacyCountSql', () => {
  it('bind every value; the order comes from the whitelist', () => {
    const q = parseLogQuery({
      level: 'info',
      source: "x'; drop table system_logs; --",
      request_id: 'r1',
      start_time: '2026-10-01',
      end_time: '2026-10-02',
      sort_by: 'status_code',
      sort_order: 'asc',
      offset: 5,
      limit: 20,
    });
    const page = legacyPageSql(q);
    expect(page.text).not.toContain('drop table');
    expect(page.text).toContain(
      "order by coalesce(s.status_code, -1) asc, coalesce(s.logger, '') asc, s.timestamp asc, s.id asc\n limit $6::integer offset $7::bigint",
    );
    expect(page.values).toEqual([
      'INFO',
      "%x'; drop table system\\_logs; --%",
      'r1',
      '2026-10-01T00:00:00.000000+00:00',
      '2026-10-02T00:00:00.000000+00:00',
      21,
      5,
    ]);
    const count = legacyCountSql(q);
    expect(count.text).toMatch(/^select count\(\*\) as total\s+from system_logs s\s+where/);
    expect(count.text).not.toMatch(/order by|limit|offset/);
    expect(count.values).toEqual(page.values.slice(0, 5));
  });

  it('orders by qualified columns: a bare timestamp would sort by the rendered text', () => {
    const { text } = legacyPageSql(parseLogQuery({}));
    expect(text).toContain('order by s.timestamp desc, s.id desc');
  });

  it('continues a cursor with a row comparison over its keys and id, in the cursor’s direction', () => {
    const cursor = encodeCursor({
      sortBy: 'duration_ms',
      sortOrder: 'desc',
      keys: ['-1', '', '2026-10-01T00:00:00.000001+00:00'],
      id: 3,
    });
    const { text, values } = legacyPageSql(parseLogQuery({ cursor, limit: 10 }));
    expect(text).toContain(
      "(coalesce(s.duration_ms, -1), coalesce(s.logger, ''), s.timestamp, s.id) < ($1::float8, $2::text, $3::timestamptz, $4::bigint)",
    );
    expect(values).toEqual(['-1', '', '2026-10-01T00:00:00.000001+00:00', 3, 11, 0]);
    expect(legacyCountSql(parseLogQuery({ cursor })).values).toEqual([]);
  });
});
