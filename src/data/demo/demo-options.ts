import { KgdbError } from '../../errors.js';
import { SOURCES } from '../import/import-types.js';

/** What to generate. The same options (including `now`) always produce identical rows. */
export interface DemoOptions {
  /** Number of genes: the ~100 real kidney genes first, then synthetic ones (≥ 1). */
  genes: number;
  /** Exact number of gene_evidence rows, at most 7 × genes (one per gene and source). */
  evidence: number;
  /** Exact number of system_logs rows, spread over the 30 days before `now`. */
  logs: number;
  /** PRNG seed (whole number ≥ 0). */
  seed: number;
  /** Reference time for every timestamp; default: now, truncated to the hour. */
  now?: Date;
}

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

/** The dataset `npm start` loads into an empty database: upstream's production scale, ratio 1 : 5 : 40. */
export const DEFAULT_DEMO: DemoOptions = Object.freeze({
  genes: 5_000,
  evidence: 25_000,
  logs: 200_000,
  seed: 42,
});
