import { type EvidenceCounts, type ImportSummary, SOURCES } from './import-types.js';

/**
 * The summary as a few aligned lines for a terminal:
 *   files     9 DiagnosticPanels, 12 Literature, 0 JSON Lines
 *   genes     1205 created, 0 existing, 0 given an HGNC id, 0 given identifiers
 *   evidence  source              created  updated  unchanged
 *             DiagnosticPanels        966        0          0
 */
export function formatImportSummary(s: ImportSummary): string {
  const { DiagnosticPanels, Literature, JsonLines } = s.files;
  const lines = [
    `files     ${DiagnosticPanels} DiagnosticPanels, ${Literature} Literature, ${JsonLines} JSON Lines`,
    `genes     ${s.genes.created} created, ${s.genes.existing} existing, ${s.genes.hgncLinked} given an HGNC id, ` +
      `${s.genes.identifiersUpdated} given identifiers`,
    `evidence  ${row('source', ['created', 'updated', 'unchanged'])}`,
  ];
  for (const source of SOURCES) {
    const counts = s.bySource[source];
    if (counts) lines.push(`          ${row(source, values(counts))}`);
  }
  lines.push(`          ${row('total', values(s.evidence))}`);
  return `${lines.join('\n')}\n`;
}

const values = (c: EvidenceCounts) => [c.created, c.updated, c.unchanged].map(String);

function row(label: string, cells: string[]): string {
  return `${label.padEnd(16)}${cells.map((c) => c.padStart(10)).join('')}`;
}
