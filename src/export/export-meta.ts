import type { ExportCell, ExportMeta } from './export-types.js';

/** Separator of a list cell (aliases, sources) in CSV, TSV and XLSX; JSON keeps lists as arrays. */
const LIST_SEPARATOR = '|';

/** A list cell as one text; other cells unchanged. */
export function flatCell(cell: ExportCell): string | number | boolean | null {
  return Array.isArray(cell) ? cell.join(LIST_SEPARATOR) : (cell as string | number | boolean | null);
}

/**
 * Percent-encodes what would break the metadata line: the pair syntax (`%`, `&`, `=`), every CSV/TSV delimiter
 * and quote (`,`, `;`, tab, `"`), the comment mark `#` and control characters (line breaks).
 */
const UNSAFE = /[%&=,;"#\p{Cc}]/gu;
const encode = (text: string): string => text.replace(UNSAFE, encodeURIComponent);

/** The metadata as ordered name → value pairs: the fixed fields first, then the filters as given. */
export function metaPairs(meta: ExportMeta, rowCount: number): [string, string][] {
  return [
    ['title', meta.title],
    ['release', meta.release ?? ''],
    ['generated_at', meta.generatedAt],
    ['rows', String(rowCount)],
    ...Object.entries(meta.filters),
  ];
}

/**
 * The last line of a CSV or TSV export: `#` and the metadata as a URL-query-like `name=value&…` string. It holds
 * no delimiter, so a spreadsheet shows it in one cell below the table, and a parser with comment `#` skips it.
 */
export function metaLine(meta: ExportMeta, rowCount: number): string {
  return `#${metaPairs(meta, rowCount)
    .map(([name, value]) => `${encode(name)}=${encode(value)}`)
    .join('&')}`;
}
