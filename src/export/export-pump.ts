import { PassThrough, type Readable } from 'node:stream';
import { toError } from '../errors.js';

/** One format's writer: it writes into the pump's output stream (header at creation). */
export interface TableWriter<Row> {
  /** A promise: wait for it before the next row. */
  row(row: Row): void | Promise<void>;
  /** Writes what follows the last row (the metadata trailer) and ends the output. */
  end(rowCount: number): Promise<void>;
}

/** Output buffered before the source is paused: a few dozen rows, whatever the format. */
const OUTPUT_HIGH_WATER_MARK = 64 * 1024;

/** Resolves when `out` wants more, or is gone (the reader left): either way the pump looks again. */
function drained(out: PassThrough): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      out.off('drain', done);
      out.off('close', done);
      resolve();
    };
    out.on('drain', done);
    out.on('close', done);
  });
}

async function pump<Row>(
  rows: AsyncIterable<Row>,
  writer: TableWriter<Row>,
  out: PassThrough,
): Promise<void> {
  let count = 0;
  try {
    for await (const row of rows) {
      // Leaving the loop returns the iterator: a database cursor closes and gives its connection back.
      if (out.destroyed) return;
      await writer.row(row);
      count += 1;
      if (out.writableNeedDrain) await drained(out);
      if (out.destroyed) return;
    }
    await writer.end(count);
  } catch (err) {
    // Headers and part of the body may be out: the reader sees the stream fail, never a complete-looking file.
    out.destroy(toError(err));
  }
}

/**
 * Runs the writer over the rows into a stream, one row at a time, waiting whenever the reader is behind, so
 * memory holds at most the output buffer and what the source fetches ahead (one cursor batch).
 */
export function writeTable<Row>(
  rows: AsyncIterable<Row>,
  makeWriter: (out: PassThrough) => TableWriter<Row>,
): Readable {
  const out = new PassThrough({ highWaterMark: OUTPUT_HIGH_WATER_MARK });
  void pump(rows, makeWriter(out), out);
  return out;
}
