import { describe, expect, it } from 'vitest';
import { relocatedClusterDir } from '../../src/db/cluster-location.js';
import { canTraverse } from '../../src/db/server-user.js';

const postgres = { uid: 101, gid: 104 };
const root = (mode: number) => ({ uid: 0, gid: 0, mode });

describe('canTraverse: can the postgres OS user reach the data dir', () => {
  it('every directory searchable by others: yes', () => {
    expect(canTraverse([root(0o755), root(0o755), root(0o1777)], postgres)).toBe(true);
  });

  it('one private directory on the way (/root, a mktemp -d folder, mode 0700): no', () => {
    expect(canTraverse([root(0o755), root(0o700), root(0o755)], postgres)).toBe(false);
  });

  it('the owner and group bits count for the user and its primary group', () => {
    expect(canTraverse([root(0o755), { uid: 101, gid: 0, mode: 0o700 }], postgres)).toBe(true);
    expect(canTraverse([root(0o755), { uid: 0, gid: 104, mode: 0o750 }], postgres)).toBe(true);
    // The owner bits decide for the owner even when others may search.
    expect(canTraverse([{ uid: 101, gid: 0, mode: 0o011 }], postgres)).toBe(false);
  });

  it('a user that does not exist yet is "other" everywhere', () => {
    expect(canTraverse([root(0o755), root(0o750)], undefined)).toBe(false);
    expect(canTraverse([root(0o755), root(0o711)], undefined)).toBe(true);
  });
});

describe('relocatedClusterDir', () => {
  it('is <root>/<16 hex of sha256(real path)>/pg: stable per data dir, distinct between them', () => {
    const a = relocatedClusterDir('/root/kgdb/.kgdb');
    expect(a).toMatch(/^\/var\/lib\/kgdb\/[0-9a-f]{16}\/pg$/);
    expect(relocatedClusterDir('/root/kgdb/.kgdb')).toBe(a);
    expect(relocatedClusterDir('/root/other/.kgdb')).not.toBe(a);
    expect(relocatedClusterDir('/x', '/srv/kgdb')).toMatch(/^\/srv\/kgdb\/[0-9a-f]{16}\/pg$/);
  });
});
