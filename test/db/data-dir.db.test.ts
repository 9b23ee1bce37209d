import { execFile, execFileSync } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveClusterLocation } from '../../src/db/cluster-location.js';
import { createLogger } from '../../src/logger.js';

// KGDB_DATA_DIR that cannot hold the cluster: one message naming the variable, the path and the reason, in
// the CLI's `CODE: message` form, before any PostgreSQL is started.

const BIN = path.resolve(import.meta.dirname, '../../bin/kgdb.js');
const logger = createLogger('silent');
/** Root may write anywhere: the permission cases run the CLI as 'nobody' then. */
const asUser = os.userInfo().uid === 0 ? { uid: id('-u'), gid: id('-g') } : {};

/** Whether that user can read this checkout at all (a clone in a private `mktemp -d` folder it cannot). */
function checkoutReadable(): boolean {
  try {
    execFileSync(process.execPath, ['-e', `require('fs').accessSync(${JSON.stringify(BIN)})`], {
      ...asUser,
      stdio: 'ignore',
    });
    return true;
  } catch {
    return false;
  }
}
const readable = checkoutReadable();
if (!readable) {
  console.warn(
    `skipping the permission cases of KGDB_DATA_DIR: user 'nobody' cannot read this checkout (${BIN}); the reasons are unit-tested in test/db/data-dir.test.ts`,
  );
}

function id(flag: string): number {
  return Number(execFileSync('id', [flag, 'nobody'], { encoding: 'utf8' }).trim());
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'kgdb-data-dir-'));
  // Searchable by 'nobody'; each case narrows its own folder.
  await chmod(dir, 0o755);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** `kgdb migrate` in its own process with KGDB_DATA_DIR = dataDir; as 'nobody' when we are root and asked. */
async function migrateIn(dataDir: string, asNobody = false): Promise<{ stderr: string; exitCode: number }> {
  const { DATABASE_URL: _url, ...env } = process.env;
  try {
    const { stderr } = await promisify(execFile)(process.execPath, [BIN, 'migrate'], {
      ...(asNobody ? asUser : {}),
      env: { ...env, KGDB_DATA_DIR: dataDir, HOME: dir, LOG_LEVEL: 'warn' },
      cwd: dir,
    });
    return { stderr, exitCode: 0 };
  } catch (raw) {
    const failed = raw as { stderr: string; code: number };
    return { stderr: failed.stderr, exitCode: failed.code };
  }
}

describe('KGDB_DATA_DIR that is not a usable directory', () => {
  it('a file, or a path under a file: resolving the cluster names it rather than EEXIST / ENOTDIR', async () => {
    const file = path.join(dir, 'not-a-dir');
    await writeFile(file, '');
    await expect(resolveClusterLocation(file, undefined, logger)).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      parameter: 'KGDB_DATA_DIR',
      message: `KGDB_DATA_DIR must be a writable directory, but it is a file: ${file}`,
    });
    await expect(resolveClusterLocation(path.join(file, 'data'), undefined, logger)).rejects.toThrow(
      `KGDB_DATA_DIR must be a writable directory, but a parent of it is a file: ${file}/data`,
    );
    expect(await migrateIn(file)).toEqual({
      stderr: `INVALID_INPUT: KGDB_DATA_DIR must be a writable directory, but it is a file: ${file}\n`,
      exitCode: 1,
    });
  }, 120_000);

  it.skipIf(!readable)(
    'a directory, or its parent, that this user may not write: the CLI says so and exits 1',
    async () => {
      const user = asUser.uid === undefined ? os.userInfo().username : 'nobody';
      const readOnly = path.join(dir, 'read-only');
      await mkdir(readOnly);
      await chmod(readOnly, 0o555);
      const missing = path.join(readOnly, 'data');
      const [under, inside] = await Promise.all([migrateIn(missing, true), migrateIn(readOnly, true)]);
      expect(under).toEqual({
        stderr: `INVALID_INPUT: KGDB_DATA_DIR must be a writable directory, but user ${user} may not create it (permission denied in a directory above it): ${missing}\n`,
        exitCode: 1,
      });
      expect(inside).toEqual({
        stderr: `INVALID_INPUT: KGDB_DATA_DIR must be a writable directory, but user ${user} may not read and write it: ${readOnly}\n`,
        exitCode: 1,
      });
    },
    120_000,
  );
});
