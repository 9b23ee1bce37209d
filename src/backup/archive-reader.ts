import { createReadStream } from 'node:fs';
import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';
import type { KgdbError } from '../errors.js';
import { fileError } from './file-error.js';

/** One entry's content; it must be read to its end before the next entry arrives. */
export type EntryBody = Readable | AsyncIterable<Buffer>;

function damaged(file: string, err: Error): KgdbError {
  return fileError(
    `${file} is not a complete kgdb backup archive (${err.message}): cut short, damaged, or not an archive`,
    err,
  );
}

/**
 * Reads a gzip'd tar entry by entry, streaming: `onEntry` is awaited for each entry and must consume its body.
 * `onBytes` reports the compressed bytes read (progress). Damage the decompressor or the tar reader notices (a
 * cut, a flipped byte, gzip's checksum) throws INVALID_INPUT; an error thrown by `onEntry` stops the reading
 * and is rethrown as it is.
 */
export async function readArchive(
  file: string,
  onEntry: (name: string, body: EntryBody) => Promise<void>,
  onBytes: (bytes: number) => void = () => {},
): Promise<void> {
  const extract = tar.extract();
  const counted = new PassThrough();
  counted.on('data', (chunk: Buffer) => onBytes(chunk.length));
  // The reading's own failure; the premature close that stopping it early causes is not one.
  let readFailure: Error | undefined;
  const feeding = pipeline(createReadStream(file), counted, createGunzip(), extract).catch((err: Error) => {
    if ((err as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE') readFailure = err;
  });
  try {
    for await (const entry of extract) {
      if (entry.header.type !== 'file') {
        throw damaged(file, new Error(`entry ${entry.header.name} is a ${entry.header.type}, not a file`));
      }
      await onEntry(entry.header.name, entry as unknown as EntryBody);
    }
  } catch (err) {
    extract.destroy();
    await feeding;
    // Damage found while an entry was being consumed surfaces there too, as whatever its consumer made of it.
    if (readFailure) throw damaged(file, readFailure);
    throw err;
  }
  await feeding;
  if (readFailure) throw damaged(file, readFailure);
}
