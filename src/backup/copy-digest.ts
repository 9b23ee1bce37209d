import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

/** What identifies a table's COPY text: its size, its rows and its sha256 (hex). */
export interface CopyStats {
  rows: number;
  bytes: number;
  sha256: string;
}

const NEWLINE = 0x0a;

/**
 * Passes COPY text through unchanged while measuring it. In COPY's text format every row ends with a newline
 * and a newline inside a value is written as `\n`, so the rows are the newline bytes. `onRows` reports each
 * chunk's rows as it passes (progress).
 */
export class CopyDigest extends Transform {
  private readonly hash = createHash('sha256');
  private rows = 0;
  private bytes = 0;

  constructor(private readonly onRows: (rows: number) => void = () => {}) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    let rows = 0;
    for (let at = chunk.indexOf(NEWLINE); at >= 0; at = chunk.indexOf(NEWLINE, at + 1)) rows += 1;
    this.rows += rows;
    if (rows > 0) this.onRows(rows);
    callback(null, chunk);
  }

  /** The totals; call once the stream has finished. */
  stats(): CopyStats {
    return { rows: this.rows, bytes: this.bytes, sha256: this.hash.copy().digest('hex') };
  }
}
