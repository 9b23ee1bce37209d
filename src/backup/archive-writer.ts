import { createReadStream, createWriteStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import tar from 'tar-stream';

/** Appends entries to a new gzip'd tar (archive-format.ts); one entry at a time, in call order. */
export interface ArchiveWriter {
  /** Appends a file whose size is known (a spooled table). */
  addFile(name: string, path: string, size: number): Promise<void>;
  addBytes(name: string, data: Buffer): Promise<void>;
  /** Ends the archive and waits until it is on disk (fsync), so a rename after it publishes a whole file. */
  finish(): Promise<void>;
  /** Stops writing after a failure; the caller removes the file. */
  abort(err: Error): Promise<void>;
}

/**
 * Writes to `file`, readable by its owner only: an archive holds password hashes, token hashes and the JWT
 * secret. Entries carry `mtime` (the snapshot time), so the same snapshot gives the same bytes.
 */
export function createArchiveWriter(file: string, mtime: Date): ArchiveWriter {
  const pack = tar.pack();
  const written = pipeline(pack, createGzip(), createWriteStream(file, { mode: 0o600 }));
  // An output failure (disk full) ends `written` while an entry may still wait for the pack to drain.
  const failed = written.then(() => new Promise<never>(() => {}));
  failed.catch(() => {});
  const header = (name: string, size: number) => ({ name, size, mtime, mode: 0o600 });

  const entry = (name: string, size: number, fill: (sink: ReturnType<typeof pack.entry>) => void) =>
    Promise.race([
      failed,
      new Promise<void>((resolve, reject) => {
        const sink = pack.entry(header(name, size), (err) => (err ? reject(err) : resolve()));
        fill(sink);
      }),
    ]);

  return {
    addFile: (name, path, size) =>
      entry(name, size, (sink) => {
        pipeline(createReadStream(path), sink).catch((err: Error) => pack.destroy(err));
      }),
    addBytes: (name, data) => entry(name, data.length, (sink) => sink.end(data)),
    async finish() {
      pack.finalize();
      await written;
      const handle = await open(file, 'r+');
      try {
        await handle.sync();
      } finally {
        await handle.close();
      }
    },
    async abort(err) {
      pack.destroy(err);
      await written.catch(() => {});
    },
  };
}
