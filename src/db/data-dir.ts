import { constants } from 'node:fs';
import { access, mkdir, stat } from 'node:fs/promises';
import os from 'node:os';
import { KgdbError } from '../errors.js';

/** What checking KGDB_DATA_DIR found wrong: the kind of what is there, or the errno of creating or using it. */
export type DataDirFault =
  | { step: 'exists'; kind: 'file' | 'other' }
  | { step: 'create' | 'use'; code: string | undefined; message: string };

/** The end of "KGDB_DATA_DIR must be a writable directory, but …", for `user` (the OS user kgdb runs as). Pure. */
export function dataDirProblem(fault: DataDirFault, user: string): string {
  if (fault.step === 'exists') return fault.kind === 'file' ? 'it is a file' : 'it is not a directory';
  if (fault.code === 'EROFS') return 'it is on a read-only file system';
  if (fault.code === 'EACCES' || fault.code === 'EPERM') {
    return fault.step === 'create'
      ? `user ${user} may not create it (permission denied in a directory above it)`
      : `user ${user} may not read and write it`;
  }
  if (fault.step === 'create') {
    // recursive mkdir: ENOTDIR when a parent is a file, ENOENT when a symlink on the way points nowhere.
    if (fault.code === 'ENOTDIR') return 'a parent of it is a file';
    if (fault.code === 'ENOENT') return 'it, or a directory above it, is a symbolic link to nothing';
    if (fault.code === 'EEXIST') return 'it is not a directory';
    return `it cannot be created (${fault.message})`;
  }
  return `it cannot be used (${fault.message})`;
}

function userName(): string {
  try {
    return os.userInfo().username;
  } catch {
    // A uid without a passwd entry (a container run with --user 1234).
    return `uid ${process.getuid?.() ?? '?'}`;
  }
}

/**
 * Creates the data dir if missing and checks this process may read and write it: the credentials and the
 * cluster's location are written there. A path that is a file, lies under a file, or may not be written gets
 * an INVALID_INPUT naming KGDB_DATA_DIR, the path and the reason, instead of mkdir's bare EEXIST or EACCES.
 */
export async function ensureDataDir(dataDir: string): Promise<void> {
  const fail = (fault: DataDirFault, cause?: unknown) =>
    new KgdbError('INVALID_INPUT', {
      parameter: 'KGDB_DATA_DIR',
      detail: `KGDB_DATA_DIR must be a writable directory, but ${dataDirProblem(fault, userName())}: ${dataDir}`,
      cause,
    });
  const errno = (raw: unknown) => ({
    code: (raw as NodeJS.ErrnoException).code,
    message: (raw as Error).message,
  });
  const existing = await stat(dataDir).catch(() => undefined);
  if (existing && !existing.isDirectory()) {
    throw fail({ step: 'exists', kind: existing.isFile() ? 'file' : 'other' });
  }
  try {
    await mkdir(dataDir, { recursive: true });
  } catch (raw) {
    throw fail({ step: 'create', ...errno(raw) }, raw);
  }
  try {
    await access(dataDir, constants.R_OK | constants.W_OK | constants.X_OK);
  } catch (raw) {
    throw fail({ step: 'use', ...errno(raw) }, raw);
  }
}
