import type { PassThrough } from 'node:stream';
import ExcelJS from 'exceljs';
import { flatCell, metaPairs } from './export-meta.js';
import type { TableWriter } from './export-pump.js';
import type { ExportColumn, ExportMeta } from './export-types.js';

/**
 * XLSX by exceljs's streaming writer: sheet "Data" (header row, then one committed row per row: numbers as
 * numbers, text as text cells — never formulas, so no formula guard is needed), then sheet "About" with the
 * metadata, also in the workbook properties. No shared strings and no styles, so memory does not grow with
 * the rows. Not byte-stable: the zip entries carry the time they were written.
 */
const YIELD_EVERY_ROWS = 64;

export function xlsxWriter<Row>(
  out: PassThrough,
  columns: readonly ExportColumn<Row>[],
  meta: ExportMeta,
): TableWriter<Row> {
  const generated = new Date(meta.generatedAt);
  const book = new ExcelJS.stream.xlsx.WorkbookWriter({
    stream: out,
    useSharedStrings: false,
    useStyles: false,
  });
  book.creator = 'kgdb';
  book.lastModifiedBy = 'kgdb';
  book.title = meta.title;
  if (!Number.isNaN(generated.getTime())) book.created = book.modified = generated;
  const data = book.addWorksheet('Data');
  data.addRow(columns.map((c) => c.header)).commit();
  let written = 0;
  return {
    row(row) {
      data.addRow(columns.map((c) => flatCell(c.value(row)))).commit();
      // exceljs writes on into the zip whatever the output's state, and deflate runs off the event loop: a turn
      // of the loop every few rows lets compressed bytes reach `out`, where the pump's drain check sees them.
      // Without it a source that never waits on I/O would fill the zip's queue without bound.
      written += 1;
      return written % YIELD_EVERY_ROWS === 0 ? new Promise((resolve) => setImmediate(resolve)) : undefined;
    },
    async end(rowCount) {
      data.commit();
      const about = book.addWorksheet('About');
      for (const pair of metaPairs(meta, rowCount)) about.addRow(pair).commit();
      about.commit();
      book.description = metaPairs(meta, rowCount)
        .map(([name, value]) => `${name}: ${value}`)
        .join('\n');
      await book.commit();
    },
  };
}
