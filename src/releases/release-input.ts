import { KgdbError } from '../errors.js';
import { textProblem } from '../http/params.js';

/** CalVer: year, month, optional patch (2026.12, 2026.12.1); the releases table checks the same. */
export const VERSION_PATTERN = '^\\d{4}\\.\\d{1,2}(\\.\\d{1,3})?$';
/** Release notes: a paragraph or a changelog, not a document. */
export const MAX_NOTES_LENGTH = 10_000;

/** The CLI's version and notes, checked as the API's schema checks them (`--version`, `--notes` named). */
export function checkReleaseInput(
  version: string,
  notes: string | undefined,
): { version: string; notes: string | null } {
  if (!new RegExp(VERSION_PATTERN).test(version)) {
    throw new KgdbError('INVALID_PARAMETER', {
      parameter: '--version',
      detail: `--version must be CalVer YYYY.MM or YYYY.MM.PATCH (e.g. 2026.12), got '${version}'`,
    });
  }
  const problem =
    notes === undefined
      ? undefined
      : notes.length > MAX_NOTES_LENGTH
        ? `must be at most ${MAX_NOTES_LENGTH} characters, got ${notes.length}`
        : textProblem(notes);
  if (problem)
    throw new KgdbError('INVALID_PARAMETER', { parameter: '--notes', detail: `--notes ${problem}` });
  return { version, notes: notes ?? null };
}
