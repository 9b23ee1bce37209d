import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Progress } from '../progress.js';
import { assertEntriesMatch, type ReadEntry } from './archive-check.js';
import { MANIFEST_ENTRY, MAX_MANIFEST_BYTES, tableOfEntry } from './archive-format.js';
import { type EntryBody, readArchive } from './archive-reader.js';
import { CopyDigest } from './copy-digest.js';
import { fileError } from './file-error.js';
import { type Manifest, parseManifest } from './manifest.js';

const discard = () =>
  new Writable({
    write(_chunk, _encoding, callback) {
      callback();
    },
  });

/** Drains an entry's body; used for entries a pass has no use for. */
export async function drain(body: EntryBody): Promise<void> {
  await pipeline(body, discard());
}

async function readText(body: EntryBody, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw fileError(`${MANIFEST_ENTRY} is larger than ${limit} bytes: not a kgdb manifest`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Reads the whole archive once without touching any database: gzip and tar intact, the manifest present (last)
 * and valid, and every table entry exactly as the manifest records it (rows, bytes, sha256). Returns the
 * manifest; throws INVALID_INPUT naming what is wrong. Memory stays flat: entries are hashed as they stream.
 */
export async function verifyArchive(file: string, size: number, progress: Progress): Promise<Manifest> {
  const entries: ReadEntry[] = [];
  let manifestText: string | undefined;
  progress.start('verify archive', size);
  try {
    await readArchive(
      file,
      async (name, body) => {
        if (manifestText !== undefined) {
          throw fileError(`${file}: entry ${name} follows ${MANIFEST_ENTRY}, which must be the last entry`);
        }
        if (name === MANIFEST_ENTRY) {
          manifestText = await readText(body, MAX_MANIFEST_BYTES);
          return;
        }
        const table = tableOfEntry(name);
        if (table === undefined)
          throw fileError(`${file}: unexpected entry ${name} (not a kgdb backup archive)`);
        const digest = new CopyDigest();
        await pipeline(body, digest, discard());
        entries.push({ table, stats: digest.stats() });
      },
      (bytes) => progress.advance(bytes),
    );
  } finally {
    progress.done();
  }
  if (manifestText === undefined) {
    throw fileError(`${file} has no ${MANIFEST_ENTRY}: not a kgdb backup archive, or one cut short`);
  }
  const manifest = parseManifest(manifestText);
  assertEntriesMatch(manifest, entries);
  return manifest;
}
