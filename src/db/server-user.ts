import { execFileSync } from 'node:child_process';
import { realpath, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

/** The OS user the postmaster runs as when kgdb runs as root. */
export interface ServerUser {
  uid: number;
  gid: number;
}

/** The 'postgres' OS user's ids, or undefined when it does not exist yet (the first initdb creates it). */
export function postgresUser(): ServerUser | undefined {
  try {
    const id = (flag: string) =>
      Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8', stdio: 'pipe' }).trim());
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    // `id` exits 1 for an unknown user.
    return undefined;
  }
}

/** As root, the 'postgres' OS user the cluster runs as, created (as a system account) on first use. */
export function ensureServerUser(): ServerUser | undefined {
  if (os.userInfo().uid !== 0) return undefined;
  const existing = postgresUser();
  if (existing) return existing;
  execFileSync('groupadd', ['--force', '--system', 'postgres'], { stdio: 'pipe' });
  execFileSync('useradd', ['--system', '--gid', 'postgres', '--no-create-home', 'postgres'], {
    stdio: 'pipe',
  });
  const created = postgresUser();
  if (!created) throw new Error("useradd succeeded but the 'postgres' OS user cannot be found");
  return created;
}

/** The permission bits of one directory on a path. */
export interface DirMode {
  uid: number;
  gid: number;
  mode: number;
}

/**
 * Whether `user` may search (x) every directory of a path, judged by the owner/group/other bits as the
 * kernel does for a process whose only group is its primary one: Node spawns the postmaster with
 * setgroups(0) so supplementary groups never count. A user that does not exist yet is "other" everywhere.
 * ACLs are not read; a directory an ACL opens to postgres is treated as closed, which costs only a copy.
 */
export function canTraverse(dirs: readonly DirMode[], user: ServerUser | undefined): boolean {
  return dirs.every((dir) => {
    if (user && dir.uid === user.uid) return (dir.mode & 0o100) !== 0;
    if (user && dir.gid === user.gid) return (dir.mode & 0o010) !== 0;
    return (dir.mode & 0o001) !== 0;
  });
}

/** `/a/b/c` → the modes of `/`, `/a`, `/a/b`, `/a/b/c`. */
async function modesAlong(realDir: string): Promise<DirMode[]> {
  const dirs: string[] = [];
  for (let dir = realDir; ; dir = path.dirname(dir)) {
    dirs.unshift(dir);
    if (path.dirname(dir) === dir) break;
  }
  return Promise.all(
    dirs.map(async (dir) => {
      const s = await stat(dir);
      return { uid: s.uid, gid: s.gid, mode: s.mode };
    }),
  );
}

/** Whether `user` can reach (search every directory down to and including) the existing directory `dir`. */
export async function canReach(dir: string, user: ServerUser | undefined): Promise<boolean> {
  return canTraverse(await modesAlong(await realpath(dir)), user);
}
