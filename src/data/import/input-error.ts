import { KgdbError } from '../../errors.js';

/** Throws the error for one bad spot; `where` is `genes[12]`, `line 7` or empty for the whole file. */
export type Fail = (message: string) => never;

/** The one shape of an import error: INVALID_INPUT, parameter = file, detail = `file: where: message`. */
export function inputError(file: string, where: string, message: string, cause?: unknown): KgdbError {
  const detail = where ? `${file}: ${where}: ${message}` : `${file}: ${message}`;
  return new KgdbError('INVALID_INPUT', { parameter: file, detail, cause });
}

export function failAt(file: string, where: string): Fail {
  return (message) => {
    throw inputError(file, where, message);
  };
}
