import { rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { KgdbError } from '../errors.js';
import { fileError } from './file-error.js';

async function statOrUndefined(file: string) {
  return stat(file).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
}

/**
 * Checks where a backup may be written: its folder exists, and FILE does not unless --force (a directory
 * never). A backup is written to FILE.partial and renamed at the end, so FILE is only ever a complete archive.
 */
export async function assertWritableTarget(file: string, force: boolean): Promise<void> {
  const folder = await statOrUndefined(path.dirname(file));
  if (!folder?.isDirectory()) {
    throw fileError(`cannot write ${file}: the folder ${path.dirname(file)} does not exist`);
  }
  const existing = await statOrUndefined(file);
  if (existing?.isDirectory()) {
    throw fileError(`${file} is a directory, not a file`);
  }
  if (existing && !force) {
    throw new KgdbError('CONFLICT', { detail: `${file} exists; pass --force to overwrite it` });
  }
}

/** The size of an archive to read, or INVALID_INPUT when it is missing or not a file. */
export async function archiveSize(file: string): Promise<number> {
  const found = await statOrUndefined(file);
  if (!found?.isFile()) {
    throw fileError(found ? `${file} is not a file` : `${file} does not exist`);
  }
  return found.size;
}

/** Removes files a failed run leaves behind; a file already gone is fine. */
export async function removeQuietly(...files: string[]): Promise<void> {
  await Promise.all(files.map((f) => rm(f, { force: true })));
}
