/** The types of a table export (table-export.ts re-exports them; its writers import them from here). */

export const EXPORT_FORMATS = ['csv', 'tsv', 'json', 'xlsx'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];
export type ExportCell = string | number | boolean | null | readonly string[];

export interface ExportColumn<Row> {
  header: string;
  value(row: Row): ExportCell;
}

export interface ExportMeta {
  /** e.g. 'kgdb gene list' */
  title: string;
  /** The release version the rows are from, or null for the live list. */
  release: string | null;
  /** The filters and sort as given (parameter name → raw value), in a stable order. */
  filters: Record<string, string>;
  /** ISO-8601; for a release export the release's creation time, so its bytes never change. */
  generatedAt: string;
}
