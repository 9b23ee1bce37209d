import { toError } from '../../errors.js';
import type { JsonObject } from './import-types.js';
import { inputError } from './input-error.js';
import { isRecord } from './read-fields.js';

/** One non-blank line of a JSON Lines file, parsed; `line` is 1-based. */
export interface JsonLine {
  line: number;
  value: unknown;
}

export type DetectedFile =
  | { kind: 'DiagnosticPanels'; doc: JsonObject }
  | { kind: 'Literature'; doc: JsonObject }
  | { kind: 'JsonLines'; lines: JsonLine[] };

// V8 ends its messages with "in JSON at position 42" or "after JSON at position 2" (Node 22 adds "(line 1 column 3)").
const POSITION_SUFFIX = /\s*(?:in|after) JSON at position \d+.*$/;

const QUOTED_CONTEXT = /, (?:\.\.\.)?"[\s\S]*"(?:\.\.\.)? is not valid JSON$/;

const WRONG_SHAPE =
  'not an import file: expected a DiagnosticPanels object (provider_name, genes), ' +
  'a Literature object (pmid, genes) or JSON Lines (one {approved_symbol, source_name, evidence_data} per line)';

/**
 * Decides what a file is from its content alone, never its name: a whole-file JSON object with a genes
 * array is a DiagnosticPanels (provider_name) or Literature (pmid) file; otherwise, when the first
 * non-blank line is a JSON object on its own, the file is JSON Lines.
 */
export function detectKind(file: string, rawText: string): DetectedFile {
  // A UTF-8 byte order mark is legal in files saved by some editors, and JSON.parse rejects it.
  const text = rawText.startsWith('\uFEFF') ? rawText.slice(1) : rawText;
  if (text.trim() === '') throw inputError(file, '', 'the file is empty');
  let whole: unknown;
  try {
    whole = JSON.parse(text);
  } catch (raw) {
    if (firstLineIsObject(text)) return { kind: 'JsonLines', lines: parseJsonLines(file, text) };
    throw inputError(file, '', `invalid JSON ${describeJsonError(text, toError(raw))}`, raw);
  }
  if (isRecord(whole) && Array.isArray(whole.genes)) {
    const isPanels = 'provider_name' in whole;
    const isPaper = 'pmid' in whole;
    if (isPanels && isPaper) {
      throw inputError(
        file,
        '',
        'has both provider_name and pmid; cannot tell DiagnosticPanels from Literature',
      );
    }
    if (isPanels) return { kind: 'DiagnosticPanels', doc: whole };
    if (isPaper) return { kind: 'Literature', doc: whole };
  }
  // A JSON Lines file of one row is also one valid JSON document.
  if (isRecord(whole) && 'source_name' in whole) {
    return { kind: 'JsonLines', lines: parseJsonLines(file, text) };
  }
  throw inputError(file, '', WRONG_SHAPE);
}

function firstLineIsObject(text: string): boolean {
  const first = text.split(/\r?\n/).find((line) => line.trim() !== '');
  if (first === undefined) return false;
  try {
    return isRecord(JSON.parse(first));
  } catch {
    // Not an object on one line, so not JSON Lines; the caller reports the whole-file JSON error.
    return false;
  }
}

function parseJsonLines(file: string, text: string): JsonLine[] {
  const lines: JsonLine[] = [];
  text.split(/\r?\n/).forEach((content, i) => {
    if (content.trim() === '') return;
    try {
      lines.push({ line: i + 1, value: JSON.parse(content) });
    } catch (raw) {
      const message = toError(raw).message.replace(POSITION_SUFFIX, '');
      throw inputError(file, `line ${i + 1}`, `invalid JSON (${message})`, raw);
    }
  });
  return lines;
}

/**
 * "at line 3, column 7 (Unexpected token ...)": V8 reports a character offset at best, which is useless
 * in a 100 kB file, so it is turned into line and column here.
 */
export function describeJsonError(text: string, err: Error): string {
  const position = errorPosition(text, err.message);
  const message = err.message.replace(POSITION_SUFFIX, '');
  if (position === undefined) return `(${message})`;
  // With the line known, the quoted text around the token (which may span lines) only adds noise.
  const short = message.replace(QUOTED_CONTEXT, '');
  const before = text.slice(0, position);
  const line = before.split('\n').length;
  const column = before.length - before.lastIndexOf('\n');
  return `at line ${line}, column ${column} (${short})`;
}

/**
 * The offset of a JSON.parse error. Most messages end "at position N". "Unexpected token" messages
 * instead quote the text around the token: V8 cuts 10 characters either side of it, marking cuts
 * with "...", so a leading "..." puts the token 10 characters into the quote, and a quote cut only at
 * its end (a token in the first 10 characters) ends 10 characters after the token.
 */
function errorPosition(text: string, message: string): number | undefined {
  const at = /JSON at position (\d+)/.exec(message);
  if (at) return Number(at[1]);
  const quoted = /^Unexpected token .*?, (\.\.\.)?"([\s\S]*)"(\.\.\.)? is not valid JSON$/.exec(message);
  if (!quoted?.[2]) return undefined;
  const [, cutBefore, snippet, cutAfter] = quoted;
  if (cutBefore) {
    const start = text.indexOf(snippet);
    return start < 0 ? undefined : start + 10;
  }
  return cutAfter ? Math.max(0, snippet.length - 10) : undefined;
}
