import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { from as copyFrom } from 'pg-copy-streams';
import type { PoolClient } from '../../db/pool.js';

/**
 * Streams text-format COPY data into the server and returns the row count it reports. The chunks are
 * generated lazily as the socket drains (Readable.from pulls on demand), so memory stays at a few chunks
 * however many rows there are.
 */
export async function copyInto(client: PoolClient, sql: string, chunks: Iterable<string>): Promise<number> {
  const sink = client.query(copyFrom(sql));
  await pipeline(Readable.from(chunks), sink);
  return sink.rowCount;
}
