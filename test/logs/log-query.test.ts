import { describe, expect, it } from 'vitest';
import { KgdbError } from '../../src/errors.js';
import { parseIsoInstant } from '../../src/logs/iso-instant.js';
import { escapeLike } from '../../src/logs/like-pattern.js';
import { decodeCursor, encodeCursor } from '../../src/logs/log-cursor.js';
import { type LogQueryParams, parseLogQuery } from '../../src/logs/log-query.js';
import {
  type BranchLists,
  buildBranchListsSql,
  needsBranchLists,
} from '../../src/logs/views/log-branch-sql.js';
import {
  buildLogCountSql,
  buildLogPageSql,
  COUNT_CAP,
  capTotal,
  LAZY_MERGE_OFFSET,
} from '../../src/logs/views/log-list-sql.js';
import { VIEW_LOG_RELATION } from '../../src/logs/views/view-log-repository.js';

function errorOf(params: LogQueryParams): { parameter: string | undefined; detail: string } {
  try {
    parseLogQuery(params);
  } catch (err) {
    if (err instanceof KgdbError && err.code === 'INVALID_PARAMETER') {
      return { parameter: err.parameter, detail: err.message };
    }
    throw err;
  }
  throw new Error(`expected a 400 for ${JSON.stringify(params)}`);
}

describe('parseLogQuery: admin logs parameters', () => {
  it('defaults to upstream: limit 100, offset 0, newest first', () => {
    expect(parseLogQuery({})).toEqual({
      limit: 100,
      offset: 0,
      sortBy: 'timestamp',
      sortOrder: 'desc',
      startTime: undefined,
      endTime: undefined,
    });
  });

  it('normalises level to upstream uppercase, any case, with Python aliases', () => {
    expect(parseLogQuery({ level: 'error' }).level).toBe('ERROR');
    expect(parseLogQuery({ level: 'Warning' }).level).toBe('WARNING');
    expect(parseLogQuery({ level: 'warn' }).level).toBe('WARNING');
    expect(parseLogQuery({ level: 'fatal' }).level).toBe('CRITICAL');
  });

  it('treats empty filter values as absent, as upstream does', () => {
    const q = parseLogQuery({ level: '', source: '', request_id: ' ', start_time: '', end_time: '' });
    expect(q).toEqual(parseLogQuery({}));
  });

  it('accepts upstream sort names and any case for sort and order', () => {
    expect(parseLogQuery({ sort_by: 'created_at' }).sortBy).toBe('timestamp');
    expect(parseLogQuery({ sort_by: 'logger' }).sortBy).toBe('source');
    expect(parseLogQuery({ sort_by: 'Duration_MS', sort_order: 'ASC' })).toMatchObject({
      sortBy: 'duration_ms',
      sortOrder: 'asc',
    });
  });

  it('names the parameter and lists what it allows', () => {
    expect(errorOf({ level: 'loud' })).toEqual({
      parameter: 'level',
      detail: "Unknown level 'loud'. Allowed (any case): DEBUG, INFO, WARNING, ERROR, CRITICAL",
    });
    expect(errorOf({ sort_by: 'message' })).toEqual({
      parameter: 'sort_by',
      detail:
        "Unknown sort field 'message'. Allowed: timestamp, level, source, path, method, status_code, duration_ms (aliases: created_at = timestamp, logger = source)",
    });
    expect(errorOf({ sort_order: 'up' })).toEqual({
      parameter: 'sort_order',
      detail: "Unknown sort order 'up'. Allowed: asc, desc",
    });
    expect(errorOf({ limit: 1001 })).toEqual({
      parameter: 'limit',
      detail: "'limit' must be an integer 1..1000, got 1001",
    });
    expect(errorOf({ offset: -1 }).parameter).toBe('offset');
    expect(errorOf({ start_time: '2026-02-30' }).parameter).toBe('start_time');
    expect(errorOf({ end_time: 'yesterday' }).detail).toContain('YYYY-MM-DD');
  });

  it('rejects a start after the end, naming start_time', () => {
    expect(errorOf({ start_time: '2026-10-02', end_time: '2026-10-01T23:59:59Z' })).toMatchObject({
      parameter: 'start_time',
    });
    expect(
      parseLogQuery({ start_time: '2026-10-01T10:00:00Z', end_time: '2026-10-01T10:00:00Z' }),
    ).toMatchObject({
      startTime: '2026-10-01T10:00:00.000000+00:00',
      endTime: '2026-10-01T10:00:00.000000+00:00',
    });
  });

  it('takes the sort from a cursor, and refuses an offset or a different sort beside it', () => {
    const cursor = encodeCursor({
      sortBy: 'status_code',
      sortOrder: 'asc',
      keys: ['404', 'kgdb.request', '2026-10-01T00:00:00.000000+00:00'],
      id: 17,
    });
    expect(parseLogQuery({ cursor })).toMatchObject({
      sortBy: 'status_code',
      sortOrder: 'asc',
      offset: 0,
      after: { keys: ['404', 'kgdb.request', '2026-10-01T00:00:00.000000+00:00'], id: 17 },
    });
    expect(parseLogQuery({ cursor, sort_by: 'status_code', sort_order: 'asc' }).after?.id).toBe(17);
    expect(errorOf({ cursor, offset: 0 }).parameter).toBe('offset');
    expect(errorOf({ cursor, sort_by: 'path' }).parameter).toBe('cursor');
    expect(errorOf({ cursor, sort_order: 'desc' }).parameter).toBe('cursor');
  });

  it('rejects forged or damaged cursors on the cursor parameter', () => {
    const forge = (body: unknown) => Buffer.from(JSON.stringify(body)).toString('base64url');
    for (const cursor of [
      'not a cursor!',
      forge({ v: 2, s: 'timestamp', o: 'desc', k: ['2026-10-01T00:00:00.000000+00:00'], i: 1 }),
      forge({ v: 1, s: 'message', o: 'desc', k: ['x'], i: 1 }),
      forge({ v: 1, s: 'timestamp', o: 'desc', k: ['yesterday'], i: 1 }),
      forge({
        v: 1,
        s: 'status_code',
        o: 'asc',
        k: ['1; drop table x', '', '2026-10-01T00:00:00.000000+00:00'],
        i: 1,
      }),
      forge({ v: 1, s: 'timestamp', o: 'desc', k: ['2026-10-01T00:00:00.000000+00:00'], i: 1.5 }),
      forge([1, 2]),
    ]) {
      expect(errorOf({ cursor }).parameter).toBe('cursor');
    }
  });

  it('round-trips a cursor', () => {
    const c = {
      sortBy: 'duration_ms',
      sortOrder: 'desc',
      keys: ['12.345', '', '2026-10-01T00:00:00.000001+00:00'],
      id: 9,
    } as const;
    expect(decodeCursor(encodeCursor({ ...c, keys: [...c.keys] }))).toEqual({ ...c, keys: [...c.keys] });
  });
});

describe('parseIsoInstant', () => {
  it.each([
    ['2026-10-01', '2026-10-01T00:00:00.000000+00:00'],
    ['2026-10-01T08:30', '2026-10-01T08:30:00.000000+00:00'],
    ['2026-10-01T08:30:05.5Z', '2026-10-01T08:30:05.500000+00:00'],
    ['2026-10-01T08:30:05.1234567+02:00', '2026-10-01T06:30:05.123456+00:00'],
    ['2026-10-01 08:30:05 02:00', '2026-10-01T06:30:05.000000+00:00'], // an unencoded '+' became a space
    ['2026-10-01T00:30:00-0100', '2026-10-01T01:30:00.000000+00:00'],
    ['2026-01-01T00:30:00+01', '2025-12-31T23:30:00.000000+00:00'],
    ['2024-02-29T12:00:00', '2024-02-29T12:00:00.000000+00:00'],
  ])('%s → %s', (raw, iso) => {
    expect(parseIsoInstant(raw)?.iso).toBe(iso);
  });

  it.each(['2025-02-29', '2026-13-01', '2026-10-01T24:00', '2026-10-01T10:60', '2026-10-01Z', '1.5', ''])(
    'rejects %j',
    (raw) => {
      expect(parseIsoInstant(raw)).toBeUndefined();
    },
  );

  it('orders by microseconds', () => {
    const a = parseIsoInstant('2026-10-01T00:00:00.000001Z');
    const b = parseIsoInstant('2026-10-01T00:00:00.000002Z');
    expect((a?.micros ?? 0n) < (b?.micros ?? 0n)).toBe(true);
  });
});

describe('log list SQL', () => {
  it('escapes LIKE metacharacters so they match literally', () => {
    expect(escapeLike('50%_a\\b')).toBe('50\\%\\_a\\\\b');
  });

  it('binds every value; identifiers come only from the whitelist', () => {
    const q = parseLogQuery({
      level: 'info',
      source: "x'; drop table system_logs; --",
      request_id: 'r1',
      start_time: '2026-10-01',
      sort_by: 'path',
      sort_order: 'asc',
      offset: 5,
    });
    const { text, values } = buildLogPageSql(VIEW_LOG_RELATION, q);
    expect(text).not.toContain('drop table');
    expect(values).toContain("%x'; drop table system\\_logs; --%");
    expect(text).toContain(
      "order by l.path asc, coalesce(l.logger, '') asc, l.timestamp asc, l.id asc\n limit $5::integer\n offset $6::bigint",
    );
  });

  it('reads the view without repeating its predicate', () => {
    const q = parseLogQuery({});
    expect(buildLogPageSql(VIEW_LOG_RELATION, q).text).toContain('from admin_logs_filtered l');
    expect(buildLogPageSql(VIEW_LOG_RELATION, q).text).not.toContain('path is not null');
  });

  it('continues a cursor with a row comparison over the sort keys and id', () => {
    const cursor = encodeCursor({
      sortBy: 'status_code',
      sortOrder: 'desc',
      keys: ['500', 'app', '2026-10-01T00:00:00.000000+00:00'],
      id: 3,
    });
    const { text, values } = buildLogPageSql(VIEW_LOG_RELATION, parseLogQuery({ cursor }));
    expect(text).toContain(
      "(coalesce(l.status_code, -1), coalesce(l.logger, ''), l.timestamp, l.id) < ($1::integer, $2::text, $3::timestamptz, $4::bigint)",
    );
    expect(values.slice(0, 4)).toEqual(['500', 'app', '2026-10-01T00:00:00.000000+00:00', 3]);
    expect(text).not.toContain('offset');
  });

  const pairs = [
    { level: 'ERROR', logger: 'app.a' },
    { level: 'INFO', logger: '' },
    { level: 'INFO', logger: 'app.a' },
    { level: 'INFO', logger: 'app.b' },
  ];
  const listed = (lists: Partial<BranchLists> = {}): BranchLists => ({
    levels: ['ERROR', 'INFO'],
    pairs,
    matchedLoggers: null,
    leadValues: null,
    inRange: null,
    ...lists,
  });

  it('lists the branches only where the page merges index ranges or skips through one', () => {
    for (const params of [
      {},
      { sort_by: 'level' },
      { level: 'ERROR', sort_by: 'status_code' },
      { source: 'x', request_id: 'r', sort_by: 'path' },
      { start_time: '2026-10-01' },
    ]) {
      expect(needsBranchLists(parseLogQuery(params)), JSON.stringify(params)).toBe(false);
    }
    for (const params of [
      { level: 'ERROR' },
      { sort_by: 'path' },
      { sort_by: 'method' },
      { start_time: '2026-10-01', sort_by: 'path' },
      { source: 'x', sort_by: 'level' },
    ]) {
      expect(needsBranchLists(parseLogQuery(params)), JSON.stringify(params)).toBe(true);
    }
    const timed = parseLogQuery({ start_time: '2026-10-01', sort_by: 'status_code' });
    const lists = buildBranchListsSql(VIEW_LOG_RELATION, timed).text;
    expect(lists).toContain('pairs(level, v, n)');
    expect(lists).toContain('lead(level, v, n)');
    expect(buildBranchListsSql(VIEW_LOG_RELATION, parseLogQuery({ sort_by: 'path' })).text).not.toContain(
      'lead(',
    );
    // A level branch alone needs the levels, not the loggers.
    const levelsOnly = buildBranchListsSql(VIEW_LOG_RELATION, parseLogQuery({ sort_by: 'duration_ms' })).text;
    expect(levelsOnly).toContain('null::text[] as loggers');
    expect(levelsOnly).toContain('(l.level) > (pairs.level)');
  });

  it('merges one range per level for source, method, status and duration, skipping through listed values', () => {
    const timed = parseLogQuery({ start_time: '2026-10-01', sort_by: 'status_code' });
    const { text, values } = buildLogPageSql(VIEW_LOG_RELATION, timed, listed({ leadValues: ['-1', '200'] }));
    expect(text).toMatch(/from unnest\(\$1::text\[\]\) as b\(level\)\s+cross join lateral \(/);
    expect(values[0]).toEqual(['ERROR', 'INFO']);
    expect(text).toContain('l.level = b.level');
    expect(text).toContain('coalesce(l.status_code, -1) = any($2::integer[])');
    expect(text).toContain("coalesce(l.logger, '') = any($3::text[])");
    expect(values.slice(1, 3)).toEqual([
      ['-1', '200'],
      ['app.a', '', 'app.b'],
    ]);
    // A level filter is one range of the index: no merge, no skip needed without a time range or source.
    const oneLevel = buildLogPageSql(VIEW_LOG_RELATION, parseLogQuery({ level: 'INFO', sort_by: 'method' }));
    expect(oneLevel.text).not.toContain('lateral');
    expect(oneLevel.text).not.toContain('any(');
    // Without a source or time range, the levels alone make the branches.
    const byLevels = buildLogPageSql(
      VIEW_LOG_RELATION,
      parseLogQuery({ sort_by: 'duration_ms' }),
      listed({ levels: ['DEBUG', 'INFO'], pairs: null }),
    );
    expect(byLevels.values[0]).toEqual(['DEBUG', 'INFO']);
  });

  it('reads a short time range whole for path and duration, and walks a long one', () => {
    const q = parseLogQuery({
      start_time: '2026-10-01',
      end_time: '2026-10-01T01:00',
      sort_by: 'duration_ms',
    });
    expect(buildBranchListsSql(VIEW_LOG_RELATION, q).text).toContain('as in_range');
    const short = buildLogPageSql(VIEW_LOG_RELATION, q, listed({ inRange: 20_000 })).text;
    expect(short).toContain('offset 0) m');
    expect(short).not.toContain('lateral (select coalesce');
    const long = buildLogPageSql(VIEW_LOG_RELATION, q, listed({ inRange: 20_001 })).text;
    expect(long).toMatch(/as b\(level\)\s+cross join lateral/);
  });

  it('merges one range per (level, logger) pair for path and a filtered timestamp sort', () => {
    const lists = listed({ matchedLoggers: ['app.a'] });
    const q = parseLogQuery({ source: 'app.a', sort_by: 'path', offset: 10, limit: 5 });
    const { text, values } = buildLogPageSql(VIEW_LOG_RELATION, q, lists);
    expect(text).toContain('unnest($1::text[], $2::text[]) as b(level, logger)');
    expect(values.slice(0, 2)).toEqual([
      ['ERROR', 'INFO'],
      ['app.a', 'app.a'],
    ]);
    expect(text).toContain("coalesce(l.logger, '') = b.logger");
    expect(values).toContain(16); // each branch keeps offset + limit + 1 rows
    expect(text).toContain('order by m.k0 desc, m.k1 desc, m.k2 desc, m.id desc');
    const byLevel = buildLogPageSql(VIEW_LOG_RELATION, parseLogQuery({ level: 'INFO' }), lists);
    expect(byLevel.values.slice(0, 2)).toEqual([
      ['INFO', 'INFO', 'INFO'],
      ['', 'app.a', 'app.b'],
    ]);
    // Without a level or source filter the timestamp sort is the primary key's order: no lists, no merge.
    expect(buildLogPageSql(VIEW_LOG_RELATION, parseLogQuery({}), lists).text).not.toContain('lateral');
    // Too many branches, or no lists: the plain query, correct whatever the planner makes of it.
    const many = Array.from({ length: 65 }, (_, i) => ({ level: 'INFO', logger: `l${i}` }));
    const wide = buildLogPageSql(
      VIEW_LOG_RELATION,
      parseLogQuery({ sort_by: 'path' }),
      listed({ pairs: many }),
    );
    expect(wide.text).not.toContain('lateral');
    expect(buildLogPageSql(VIEW_LOG_RELATION, q).text).toContain('l.logger ilike $1::text');
  });

  it('past LAZY_MERGE_OFFSET merges the branches as a UNION ALL, each pinned to its own bound values', () => {
    const lists = listed({ matchedLoggers: ['app.a'] });
    const shallow = parseLogQuery({ source: 'app.a', sort_by: 'path', offset: LAZY_MERGE_OFFSET - 1 });
    expect(buildLogPageSql(VIEW_LOG_RELATION, shallow, lists).text).toContain('cross join lateral (select');
    const deep = parseLogQuery({ source: 'app.a', sort_by: 'path', offset: LAZY_MERGE_OFFSET, limit: 5 });
    const { text, values, prepared } = buildLogPageSql(VIEW_LOG_RELATION, deep, lists);
    expect(prepared).toBe(false);
    expect(buildLogPageSql(VIEW_LOG_RELATION, shallow, lists).prepared).toBeUndefined();
    expect(text).not.toContain('unnest(');
    expect(text.match(/\bunion all\b/g)).toHaveLength(1);
    // Two pair branches (ERROR and INFO of app.a), each with its level and logger bound, cut at offset + limit + 1.
    expect(text).toMatch(/l\.level = \$\d+::text\s+and coalesce\(l\.logger, ''\) = \$\d+::text/);
    expect(values).toEqual(expect.arrayContaining(['ERROR', 'INFO', 'app.a', LAZY_MERGE_OFFSET + 6]));
    // Level branches bind no logger.
    const byLevel = buildLogPageSql(
      VIEW_LOG_RELATION,
      parseLogQuery({ sort_by: 'duration_ms', offset: 5_000 }),
      listed({ levels: ['DEBUG', 'INFO', 'ERROR'], pairs: null }),
    );
    expect(byLevel.text.match(/\bunion all\b/g)).toHaveLength(2);
    // No branches: the LATERAL over empty arrays, which returns nothing; a UNION of nothing would not parse.
    const noBranch = buildLogPageSql(
      VIEW_LOG_RELATION,
      parseLogQuery({ source: '_', sort_by: 'path', offset: LAZY_MERGE_OFFSET }),
      listed({ matchedLoggers: [] }),
    );
    expect(noBranch.text).toContain('cross join lateral (select');
    expect(noBranch.values.slice(0, 2)).toEqual([[], []]);
    expect(byLevel.text).not.toContain("coalesce(l.logger, '') = $");
  });

  it('turns source into the matched loggers when they are listed, else an ILIKE', () => {
    const q = parseLogQuery({ source: 'api' });
    const count = buildLogCountSql(
      VIEW_LOG_RELATION,
      q,
      listed({ pairs: [{ level: 'INFO', logger: 'app.api' }], matchedLoggers: ['app.api'] }),
    );
    expect(count.text).toContain("coalesce(l.logger, '') = any($1::text[])");
    expect(count.text).toContain('l.level = any($2::text[])');
    expect(buildLogCountSql(VIEW_LOG_RELATION, q).text).toContain('l.logger ilike $1::text');
  });

  it('counts exactly up to the cap, then reports the estimate', () => {
    expect(capTotal(0, undefined)).toEqual({ total: 0, exact: true });
    expect(capTotal(COUNT_CAP, undefined)).toEqual({ total: COUNT_CAP, exact: true });
    expect(capTotal(COUNT_CAP + 1, 4_500_000.4)).toEqual({ total: 4_500_000, exact: false });
    // An estimate below what is known to match is raised to the known minimum.
    expect(capTotal(COUNT_CAP + 1, 50)).toEqual({ total: COUNT_CAP + 1, exact: false });
  });
});
