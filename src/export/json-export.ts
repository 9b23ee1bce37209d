import type { PassThrough } from 'node:stream';
import type { TableWriter } from './export-pump.js';
import type { ExportColumn, ExportMeta } from './export-types.js';

/**
 * `{"meta": {…}, "data": [ … ]}`, the meta first (it is known before the rows), one row object per line with
 * the column headers as keys in column order; lists stay arrays, null stays null.
 */
export function jsonWriter<Row>(
  out: PassThrough,
  columns: readonly ExportColumn<Row>[],
  meta: ExportMeta,
): TableWriter<Row> {
  const head = {
    title: meta.title,
    release: meta.release,
    filters: meta.filters,
    generated_at: meta.generatedAt,
    columns: columns.map((c) => c.header),
  };
  out.write(`{"meta":${JSON.stringify(head)},\n"data":[`);
  let first = true;
  return {
    row(row) {
      const object: Record<string, unknown> = {};
      for (const column of columns) object[column.header] = column.value(row);
      out.write(`${first ? '\n' : ',\n'}${JSON.stringify(object)}`);
      first = false;
    },
    async end() {
      out.end('\n]}\n');
    },
  };
}
