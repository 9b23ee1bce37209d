import { existsSync } from 'node:fs';
import path from 'node:path';

/**
 * The real upstream data (MIT-licensed files of kidney-genetics-db) beside the checkout; never copied into the
 * project. Tests that read it skip, with a warning naming what is missing, where it is absent (a clone elsewhere).
 */
export const UPSTREAM = path.resolve(import.meta.dirname, '../../../shared/data/upstream');
export const PANELS_DIR = path.join(UPSTREAM, 'diagnostic_panels');
export const LITERATURE_DIR = path.join(UPSTREAM, 'literature');

/** Whether both upstream folders are present; warns with `what` ("the upstream-data import tests") when not. */
export function upstreamPresent(what: string): boolean {
  const present = existsSync(PANELS_DIR) && existsSync(LITERATURE_DIR);
  if (!present) console.warn(`skipping ${what}: ${UPSTREAM} is absent`);
  return present;
}
