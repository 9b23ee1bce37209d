/**
 * Spreadsheet formula injection (OWASP "CSV Injection"): a spreadsheet opening a CSV evaluates a cell whose text
 * starts with `=`, `+`, `-` or `@` as a formula, and a leading tab or carriage return is read past before that
 * check. Such text gets a leading `'`, which spreadsheets show as a text marker. Numbers are never text here, so
 * a negative number stays a number.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

export function guardFormula(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}
