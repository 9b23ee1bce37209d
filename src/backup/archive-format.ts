/**
 * The layout of a kgdb backup archive (docs/backup.md): a gzip-compressed tar holding, in this order,
 *
 *   tables/<table>.copy   one entry per table, in load order (a table after every table it references): the
 *                         table's rows in PostgreSQL's COPY text format, ordered by its primary key
 *   manifest.json         the Manifest (manifest.ts): versions, and per table its columns, rows, bytes and sha256
 *
 * A tar header carries its entry's size, which a COPY stream does not know until it ends: the backup spools one
 * table at a time to a file beside the archive and then appends it, so neither memory nor the spool grows with
 * the database (only with its largest table). The manifest goes LAST because only then are every table's size
 * and checksum known; a reader that needs it first (restore) reads the archive twice, see restore.ts.
 */

/** The layout version this build writes and the only one it reads. */
export const ARCHIVE_FORMAT = 1;

export const MANIFEST_ENTRY = 'manifest.json';

/** The manifest is small (names and numbers); anything larger is not one of ours. */
export const MAX_MANIFEST_BYTES = 16 * 1024 * 1024;

const TABLE_PREFIX = 'tables/';
const TABLE_SUFFIX = '.copy';

export function tableEntryName(table: string): string {
  return `${TABLE_PREFIX}${table}${TABLE_SUFFIX}`;
}

/** The table an entry holds, or undefined when the entry name is not a table entry. Pure. */
export function tableOfEntry(entryName: string): string | undefined {
  if (!entryName.startsWith(TABLE_PREFIX) || !entryName.endsWith(TABLE_SUFFIX)) return undefined;
  const table = entryName.slice(TABLE_PREFIX.length, -TABLE_SUFFIX.length);
  return table.length > 0 ? table : undefined;
}
