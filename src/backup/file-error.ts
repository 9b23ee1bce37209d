import { KgdbError } from '../errors.js';

/** What the backup and restore commands refuse about their FILE argument or the archive in it (exit 1, CLI error). */
export function fileError(detail: string, cause?: Error): KgdbError {
  return new KgdbError('INVALID_INPUT', { parameter: 'FILE', detail, ...(cause && { cause }) });
}
