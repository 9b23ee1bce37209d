import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, realpath, rename, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from '../logger.js';
import { ensureDataDir } from './data-dir.js';
import { canReach, type ServerUser } from './server-user.js';

/** Where relocated clusters live: one directory per data dir, named by a hash of the data dir's real path. */
export const RELOCATION_ROOT = '/var/lib/kgdb';
/** In the data dir: where its cluster lives when that is not `<dataDir>/pg`. */
export const LOCATION_FILE = 'cluster-location.json';
/** In the data dir: the cluster's generated password (written by embedded.ts). */
export const CREDENTIALS_FILE = 'embedded.json';

export interface ClusterLocation {
  /** The PostgreSQL data directory (`-D`). */
  clusterDir: string;
  /** True when it is not `<dataDir>/pg` because the server user cannot reach the data dir. */
  relocated: boolean;
}

interface LocationRecord {
  clusterDir: string;
  /** The data dir's real path when the record was written: what the hash was taken of. */
  dataDir: string;
}

/** 16 hex digits of sha256 over the real path: stable for one data dir, distinct between data dirs. */
export function relocatedClusterDir(realDataDir: string, root: string = RELOCATION_ROOT): string {
  const key = createHash('sha256').update(realDataDir).digest('hex').slice(0, 16);
  return path.join(root, key, 'pg');
}

async function readRecord(dataDir: string): Promise<LocationRecord | undefined> {
  const file = path.join(dataDir, LOCATION_FILE);
  if (!existsSync(file)) return undefined;
  let record: Partial<LocationRecord> | undefined;
  try {
    record = JSON.parse(await readFile(file, 'utf8')) as Partial<LocationRecord>;
  } catch {
    // Unreadable JSON gets the same message as a wrong shape, below.
  }
  if (typeof record?.clusterDir !== 'string' || !path.isAbsolute(record.clusterDir)) {
    throw new Error(`${file}: expected {"clusterDir": "/absolute/path", …}; fix or remove the file`);
  }
  return { clusterDir: record.clusterDir, dataDir: record.dataDir ?? '' };
}

/**
 * Makes `<root>/<hash>/` (root-owned, 0755, with a `data-dir` file naming its data dir for whoever lists
 * the root) and checks the server user can reach it; the cluster directory inside is created and given to
 * the server user by initdb.
 */
async function prepareRelocation(realDataDir: string, user: ServerUser | undefined): Promise<string> {
  const clusterDir = relocatedClusterDir(realDataDir);
  const home = path.dirname(clusterDir);
  await mkdir(home, { recursive: true, mode: 0o755 });
  await writeFile(path.join(home, 'data-dir'), `${realDataDir}\n`, { mode: 0o644 });
  if (!(await canReach(home, user))) {
    throw new Error(
      `The postgres OS user can reach neither ${realDataDir} nor ${home}; make one of them reachable (o+x on every parent) or set KGDB_DATA_DIR elsewhere`,
    );
  }
  return clusterDir;
}

/**
 * Where the embedded cluster of `dataDir` lives. Normally `<dataDir>/pg`. As root the postmaster runs as
 * the 'postgres' OS user; when that user cannot search every directory down to the data dir (a checkout in
 * /root, a `mktemp -d` folder: mode 0700), the cluster goes to `/var/lib/kgdb/<hash>/pg` instead and the
 * choice is written to `<dataDir>/cluster-location.json`, which every later command follows, even after the
 * data dir became reachable. The user's directories keep their permissions; the credentials stay in dataDir.
 */
export async function resolveClusterLocation(
  dataDir: string,
  user: ServerUser | undefined,
  logger: Logger,
): Promise<ClusterLocation> {
  await ensureDataDir(dataDir);
  const record = await readRecord(dataDir);
  if (record) return { clusterDir: record.clusterDir, relocated: true };
  const local = { clusterDir: path.join(dataDir, 'pg'), relocated: false };
  if (os.userInfo().uid !== 0) return local;
  const realDataDir = await realpath(dataDir);
  if (await canReach(realDataDir, user)) return local;
  if (existsSync(path.join(local.clusterDir, 'PG_VERSION'))) {
    // Starting an empty cluster elsewhere would look like lost data; the existing one is the user's to move.
    throw new Error(
      `${local.clusterDir} holds a PostgreSQL cluster the postgres OS user cannot reach (a directory above it is private): make every parent searchable (o+x), or move the data dir`,
    );
  }

  const clusterDir = await prepareRelocation(realDataDir, user);
  if (existsSync(path.join(clusterDir, 'PG_VERSION')) && !existsSync(path.join(dataDir, CREDENTIALS_FILE))) {
    // A cluster left by an earlier data dir at this path, whose credentials went with it (the data dir was
    // deleted): it cannot be logged into. Kept aside rather than deleted; a fresh one is initialised.
    const aside = `${clusterDir}.orphaned-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    await rename(clusterDir, aside);
    logger.warn({ clusterDir, aside }, `moved the orphaned cluster of a deleted data dir to ${aside}`);
  }
  const recordFile = path.join(dataDir, LOCATION_FILE);
  const written: LocationRecord = { clusterDir, dataDir: realDataDir };
  await writeFile(recordFile, `${JSON.stringify(written, null, 2)}\n`, { mode: 0o644 });
  logger.warn(
    { dataDir: realDataDir, clusterDir, record: recordFile },
    `the postgres OS user cannot reach ${realDataDir}: the embedded cluster lives in ${clusterDir} (recorded in ${recordFile})`,
  );
  return { clusterDir, relocated: true };
}
