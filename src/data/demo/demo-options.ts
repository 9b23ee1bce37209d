import { KgdbError } from '../../errors.js';
import { SOURCES } from '../import/import-types.js';
import type { DemoOptions } from './seed-demo.js';

/** At most one evidence row per (gene, source), so a gene holds at most seven. */
export const MAX_EVIDENCE_PER_GENE = SOURCES.length;

function wholeNumber(name: string, value: number, min: number): void {
  if (!Number.isSafeInteger(value) || value < min) {
    throw new KgdbError('INVALID_PARAMETER', {
      parameter: name,
      detail: `${name} must be a whole number ≥ ${min}, got ${value}`,
    });
  }
}

/** Checks demo options before any work starts; throws INVALID_PARAMETER naming the option. Pure. */
export function validateDemoOptions(options: DemoOptions): void {
  wholeNumber('genes', options.genes, 1);
  wholeNumber('evidence', options.evidence, 0);
  wholeNumber('logs', options.logs, 0);
  wholeNumber('seed', options.seed, 0);
  const limit = MAX_EVIDENCE_PER_GENE * options.genes;
  if (options.evidence > limit) {
    throw new KgdbError('INVALID_PARAMETER', {
      parameter: 'evidence',
      detail: `evidence must be at most ${MAX_EVIDENCE_PER_GENE} × genes = ${limit} (one row per gene and source), got ${options.evidence}`,
    });
  }
  if (options.now !== undefined && Number.isNaN(options.now.getTime())) {
    throw new KgdbError('INVALID_PARAMETER', { parameter: 'now', detail: 'now must be a valid date' });
  }
}

/** The default reference time: now, truncated to the hour (so two seeds in one hour produce identical data). */
export function defaultNow(clock: Date): Date {
  const hour = 3_600_000;
  return new Date(Math.floor(clock.getTime() / hour) * hour);
}
