import { once } from 'node:events';
import pg from 'pg';
import QueryStream from 'pg-query-stream';
import type { Pool, PoolClient } from './pool.js';

export interface RowStreamOptions {
  /** Rows fetched per round trip (and held ahead of the reader at most); default 100. */
  batchSize?: number;
}

const DEFAULT_BATCH_SIZE = 100;

/**
 * The rows of one statement through a server-side cursor (pg-query-stream), fetched a batch at a time as the
 * caller iterates, so memory holds one batch whatever the result's size. On a PoolClient it runs on that
 * client (inside its transaction, if any) and leaves it open; on a Pool it checks a client out when iteration
 * starts and releases it at the end. Stopping early (`break`, an error, `return()` from a consumer that left)
 * closes the cursor before the client is released or handed back.
 */
export async function* streamRows<Row>(
  db: Pool | PoolClient,
  text: string,
  values: unknown[],
  options: RowStreamOptions = {},
): AsyncIterable<Row> {
  const owned = db instanceof pg.Pool;
  const client: PoolClient = owned ? await db.connect() : (db as PoolClient);
  let lost: Error | undefined;
  // pg-pool takes its own 'error' listener off a borrowed client: a connection lost meanwhile would be an
  // uncaught exception (as in withClient).
  const onError = (err: Error) => {
    lost = err;
  };
  if (owned) client.on('error', onError);
  const stream = new QueryStream(text, values, { batchSize: options.batchSize ?? DEFAULT_BATCH_SIZE });
  try {
    client.query(stream);
    for await (const row of stream) yield row as Row;
  } finally {
    if (!stream.closed) {
      const closed = once(stream, 'close').catch(() => undefined);
      stream.destroy();
      await closed;
    }
    if (owned) {
      if (!lost) client.removeListener('error', onError);
      client.release(lost);
    }
  }
}

/**
 * Runs `rows` to its first row and hands back an iterable of all of them. A failure to connect or to plan the
 * statement is thrown here, while a caller can still answer with an error instead of a cut-off body.
 */
export async function started<Row>(rows: AsyncIterable<Row>): Promise<AsyncIterableIterator<Row>> {
  const iterator = rows[Symbol.asyncIterator]();
  let first: IteratorResult<Row> | undefined = await iterator.next();
  const all: AsyncIterableIterator<Row> = {
    [Symbol.asyncIterator]: () => all,
    async next() {
      if (first === undefined) return iterator.next();
      const result = first;
      first = undefined;
      return result;
    },
    // Passed on whenever the consumer stops, on the first row or before its first next(): the source's finally
    // closes the cursor and releases the client (a generator wrapper skips that unless it is past a yield).
    async return(value?: unknown) {
      first = undefined;
      await iterator.return?.();
      return { done: true, value };
    },
  };
  return all;
}
