import type { PassThrough, Readable } from 'node:stream';
import { delimitedWriter } from './delimited-export.js';
import { type TableWriter, writeTable } from './export-pump.js';
import type { ExportColumn, ExportFormat, ExportMeta } from './export-types.js';
import { jsonWriter } from './json-export.js';
import { xlsxWriter } from './xlsx-export.js';

/**
 * Generic table exports: rows from an async iterable, written as CSV, TSV, JSON or XLSX with backpressure, so
 * a slow reader pauses the source (a database cursor) and memory stays flat. Knows nothing about what the rows
 * are: the caller gives the columns and the metadata. CSV, TSV and JSON bytes depend only on rows, columns and
 * meta (checksums rely on it); XLSX is a zip whose entries carry the time they were written, so it is not
 * byte-stable. Formats in detail: docs/exports.md.
 */

export {
  EXPORT_FORMATS,
  type ExportCell,
  type ExportColumn,
  type ExportFormat,
  type ExportMeta,
} from './export-types.js';

const CONTENT_TYPES: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8; header=present',
  tsv: 'text/tab-separated-values; charset=utf-8',
  json: 'application/json; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

/** Streams the rows as the format, with backpressure: a slow reader pauses the source iterator. */
export function exportStream<Row>(
  rows: AsyncIterable<Row>,
  format: ExportFormat,
  columns: readonly ExportColumn<Row>[],
  meta: ExportMeta,
): Readable {
  const writer: (out: PassThrough) => TableWriter<Row> =
    format === 'json'
      ? (out) => jsonWriter(out, columns, meta)
      : format === 'xlsx'
        ? (out) => xlsxWriter(out, columns, meta)
        : (out) => delimitedWriter(out, format === 'csv' ? ',' : '\t', columns, meta);
  return writeTable(rows, writer);
}

export function exportContentType(format: ExportFormat): string {
  return CONTENT_TYPES[format];
}

/** e.g. exportFileName('kgdb-genes-2026-12-03', 'csv') → 'kgdb-genes-2026-12-03.csv' */
export function exportFileName(base: string, format: ExportFormat): string {
  return `${base}.${format}`;
}
