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
export async function started<Row>(rows: AsyncIterable<Row>): Promise<AsyncIterable<Row>> {
  const iterator = rows[Symbol.asyncIterator]();
  const first = await iterator.next();
  const rest = { [Symbol.asyncIterator]: () => iterator };
  return (async function* () {
    if (first.done) return;
    yield first.value;
    // yield* hands return() on to the iterator: stopping early still closes the cursor.
    yield* rest;
  })();
}
