import type { PassThrough } from 'node:stream';
import { stringify } from 'csv-stringify/sync';
import { flatCell, metaLine } from './export-meta.js';
import type { TableWriter } from './export-pump.js';
import type { ExportCell, ExportColumn, ExportMeta } from './export-types.js';
import { guardFormula } from './formula-guard.js';

/** RFC 4180 line ends, for TSV too, so both read the same everywhere. */
const LINE_END = '\r\n';
/** Excel reads a CSV without a byte order mark as the machine's legacy code page, not UTF-8. */
const BOM = '\ufeff';
/** Rows per csv-stringify call: its per-call setup is paid once per batch, not per row. */
const BATCH = 200;

/** A cell as CSV/TSV text: numbers and booleans as written, null empty, lists joined, text formula-guarded. */
function delimitedCell(cell: ExportCell): string {
  const flat = flatCell(cell);
  if (flat === null) return '';
  if (typeof flat === 'string') return guardFormula(flat);
  return String(flat);
}

/**
 * CSV (`,`) or TSV (tab) by csv-stringify: a BOM, the header row, one line per row, quoting where a value holds
 * the delimiter, a quote, a line break or a `#` (quotes doubled), CRLF line ends, and the metadata line last.
 */
export function delimitedWriter<Row>(
  out: PassThrough,
  delimiter: ',' | '\t',
  columns: readonly ExportColumn<Row>[],
  meta: ExportMeta,
): TableWriter<Row> {
  // '#' quoted too: a reader that skips the metadata line as a comment (csv-parse `comment: '#'`) would
  // otherwise cut an unquoted `x#y` at the '#'.
  const options = { delimiter, record_delimiter: LINE_END, eof: true, quoted_match: '#' } as const;
  let batch: string[][] = [];
  const flush = () => {
    if (batch.length > 0) out.write(stringify(batch, options));
    batch = [];
  };
  out.write(BOM + stringify([columns.map((c) => c.header)], options));
  return {
    row(row) {
      batch.push(columns.map((c) => delimitedCell(c.value(row))));
      if (batch.length >= BATCH) flush();
    },
    async end(rowCount) {
      flush();
      out.end(`${metaLine(meta, rowCount)}${LINE_END}`);
    },
  };
}
