import type { KgdbError } from '../errors.js';
import { tableEntryName } from './archive-format.js';
import type { CopyStats } from './copy-digest.js';
import { fileError } from './file-error.js';
import type { Manifest, TableManifest } from './manifest.js';

/** A table entry as read from the archive. */
export interface ReadEntry {
  table: string;
  stats: CopyStats;
}

function damaged(detail: string): KgdbError {
  return fileError(`${detail}: the archive is damaged`);
}

/** Whether an entry's measurements are the manifest's; undefined when they agree, else what differs. Pure. */
export function statsMismatch(expected: TableManifest, actual: CopyStats): string | undefined {
  const diffs = (['rows', 'bytes', 'sha256'] as const)
    .filter((k) => expected[k] !== actual[k])
    .map((k) => `${k} ${actual[k]}, manifest ${expected[k]}`);
  return diffs.length > 0 ? diffs.join('; ') : undefined;
}

/** Throws when one entry disagrees with its manifest line. Pure. */
export function assertEntryMatches(expected: TableManifest, actual: CopyStats): void {
  const mismatch = statsMismatch(expected, actual);
  if (mismatch) throw damaged(`${tableEntryName(expected.name)} does not match the manifest (${mismatch})`);
}

/**
 * The archive holds exactly the manifest's tables, in its order, each with the rows, size and checksum the
 * manifest records. Throws INVALID_INPUT naming the first difference. Pure.
 */
export function assertEntriesMatch(manifest: Manifest, entries: readonly ReadEntry[]): void {
  manifest.tables.forEach((expected, i) => {
    const entry = entries[i];
    if (entry === undefined) throw damaged(`${tableEntryName(expected.name)} is missing`);
    if (entry.table !== expected.name) {
      throw damaged(
        `entry ${i + 1} is ${tableEntryName(entry.table)}, the manifest expects ${tableEntryName(expected.name)}`,
      );
    }
    assertEntryMatches(expected, entry.stats);
  });
  const extra = entries[manifest.tables.length];
  if (extra) throw damaged(`${tableEntryName(extra.table)} is not in the manifest`);
}
