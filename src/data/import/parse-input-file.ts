import { detectKind } from './detect-kind.js';
import type { ParsedFile } from './import-types.js';
import { parseDiagnosticPanels } from './parse-diagnostic-panels.js';
import { parseJsonLinesRows } from './parse-jsonl.js';
import { parseLiterature } from './parse-literature.js';

/** Detects the kind of one file from its text and turns every entry into a contribution; throws INVALID_INPUT. */
export function parseInputFile(path: string, text: string): ParsedFile {
  const detected = detectKind(path, text);
  switch (detected.kind) {
    case 'DiagnosticPanels':
      return { path, kind: detected.kind, contributions: parseDiagnosticPanels(path, detected.doc) };
    case 'Literature':
      return { path, kind: detected.kind, contributions: parseLiterature(path, detected.doc) };
    case 'JsonLines':
      return { path, kind: detected.kind, contributions: parseJsonLinesRows(path, detected.lines) };
  }
}
