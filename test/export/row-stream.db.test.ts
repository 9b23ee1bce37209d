import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { started, streamRows } from '../../src/db/row-stream.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase(2);
});
afterAll(async () => {
  await db?.drop();
});
afterEach(() => {
  // Every client went back to the pool, however the iteration ended.
  expect(db.pool.totalCount - db.pool.idleCount).toBe(0);
});

const SERIES = 'select n from generate_series(1, $1::int) n';

async function collect<T>(rows: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const row of rows) out.push(row);
  return out;
}

/** Portals (cursors) open on the server in this session. */
const openCursors = async (client: { query: typeof db.pool.query }) =>
  (await client.query<{ n: number }>('select count(*)::int as n from pg_cursors')).rows[0]?.n;

describe('streamRows', () => {
  it('on a pool: every row, in batches, and the client back afterwards', async () => {
    const rows = await collect(streamRows<{ n: number }>(db.pool, SERIES, [1234], { batchSize: 50 }));
    expect(rows.map((r) => r.n)).toEqual(Array.from({ length: 1234 }, (_, i) => i + 1));
  });

  it('on a pool: stopping early closes the cursor and releases the client', async () => {
    const seen: number[] = [];
    for await (const row of streamRows<{ n: number }>(db.pool, SERIES, [100_000], { batchSize: 10 })) {
      seen.push(row.n);
      if (seen.length === 25) break;
    }
    expect(seen).toHaveLength(25);
    // The pool has 2 clients: both can run a query now, so neither is stuck in the cursor.
    const [a, b] = await Promise.all([db.pool.connect(), db.pool.connect()]);
    try {
      expect(await openCursors(a)).toBe(0);
      expect(await openCursors(b)).toBe(0);
    } finally {
      a.release();
      b.release();
    }
  });

  it('on a client inside a transaction: sees its uncommitted rows and leaves the transaction open', async () => {
    const client = await db.pool.connect();
    try {
      await client.query('begin');
      await client.query('create temporary table scratch (n int) on commit drop');
      await client.query('insert into scratch select generate_series(1, 300)');
      const rows = await collect(
        streamRows<{ n: number }>(client, 'select n from scratch order by n', [], { batchSize: 7 }),
      );
      expect(rows).toHaveLength(300);
      const status = await client.query<{ open: boolean }>('select now() = statement_timestamp() as open');
      // Still in the transaction: now() is the transaction's start, not this statement's.
      expect(status.rows[0]?.open).toBe(false);
      // An early stop on a client closes the cursor and keeps the client (and its transaction) usable.
      for await (const _ of streamRows(client, 'select n from scratch', [], { batchSize: 5 })) break;
      expect(await openCursors(client)).toBe(0);
      expect((await client.query('select count(*)::int as n from scratch')).rows[0]).toEqual({ n: 300 });
      await client.query('commit');
    } finally {
      client.release();
    }
  });

  it('a failing statement throws and the client still goes back', async () => {
    await expect(collect(streamRows(db.pool, 'select 1/0', []))).rejects.toThrow(/division by zero/);
    await expect(
      collect(streamRows(db.pool, 'select n from generate_series(1, $1::int) n', ['x'])),
    ).rejects.toThrow();
  });
});

describe('started', () => {
  it('throws a failure before the first row, while a caller can still answer', async () => {
    await expect(started(streamRows(db.pool, 'select * from no_such_table', []))).rejects.toThrow(
      /no_such_table/,
    );
  });

  it('yields the first row and the rest; stopping early still closes the cursor', async () => {
    const all = await collect(await started(streamRows<{ n: number }>(db.pool, SERIES, [5])));
    expect(all.map((r) => r.n)).toEqual([1, 2, 3, 4, 5]);
    expect(await collect(await started(streamRows(db.pool, SERIES, [0])))).toEqual([]);
    const rows = await started(streamRows<{ n: number }>(db.pool, SERIES, [10_000], { batchSize: 10 }));
    for await (const row of rows) if (row.n === 3) break;
  });

  it('stopping on the first row, or before reading any, closes the cursor and releases the client', async () => {
    const busy = () => db.pool.totalCount - db.pool.idleCount;
    const seen: number[] = [];
    const rows = await started(streamRows<{ n: number }>(db.pool, SERIES, [10_000], { batchSize: 10 }));
    expect(busy()).toBe(1);
    for await (const row of rows) {
      seen.push(row.n);
      break;
    }
    expect(seen).toEqual([1]);
    expect(busy()).toBe(0);
    expect(db.pool.idleCount).toBe(db.pool.totalCount);

    const unread = await started(streamRows(db.pool, SERIES, [10_000], { batchSize: 10 }));
    expect(busy()).toBe(1);
    await unread[Symbol.asyncIterator]().return?.();
    expect(busy()).toBe(0);
    // Both pool clients free again: neither is stuck in an open cursor.
    const [a, b] = await Promise.all([db.pool.connect(), db.pool.connect()]);
    try {
      expect([await openCursors(a), await openCursors(b)]).toEqual([0, 0]);
    } finally {
      a.release();
      b.release();
    }
  });
});
