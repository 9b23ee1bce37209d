import { SORTABLE_FIELDS } from '../genes/gene-sort.js';

/**
 * Gene list URLs that never repeat, for the HTTP benchmark's cache-miss case. URL number i is i written in a
 * mixed radix, one digit per parameter: sort (the 9 sort fields both ways), page size, page number, and
 * `filter[min_score]` in steps of 0.001 from 0. Different i give a different digit somewhere, so a different
 * validated request (the cache key is the normalized request, gene-cache-keys.ts), and every URL carries a
 * min_score, so none is the default page. Consecutive numbers vary the sort first, so a run mixes the cheap
 * and the expensive orders from its first second. Pure.
 */

const SORTS = SORTABLE_FIELDS.flatMap((field) => [field, `-${field}`]);
const PAGE_SIZES = [10, 20, 50] as const;
const PAGE_NUMBERS = 5;
/** filter[min_score] is k / MIN_SCORE_STEPS with k = 0 … 100 × MIN_SCORE_STEPS (the route allows 0..100). */
const MIN_SCORE_STEPS = 1000;
const PER_MIN_SCORE = SORTS.length * PAGE_SIZES.length * PAGE_NUMBERS;

/** How many distinct URLs there are (about 27 million: hours of misses at any rate this machine reaches). */
export const UNIQUE_URL_CAPACITY = PER_MIN_SCORE * (100 * MIN_SCORE_STEPS + 1);

/** URL number `i` (0 ≤ i < UNIQUE_URL_CAPACITY), a path with its query string. */
export function uniqueGeneListUrl(i: number): string {
  if (!Number.isInteger(i) || i < 0 || i >= UNIQUE_URL_CAPACITY) {
    throw new RangeError(`unique URL number ${i} is outside 0 … ${UNIQUE_URL_CAPACITY - 1}`);
  }
  const sort = SORTS[i % SORTS.length] as string;
  const size = PAGE_SIZES[Math.floor(i / SORTS.length) % PAGE_SIZES.length] as number;
  const page = (Math.floor(i / (SORTS.length * PAGE_SIZES.length)) % PAGE_NUMBERS) + 1;
  const minScore = (Math.floor(i / PER_MIN_SCORE) / MIN_SCORE_STEPS).toFixed(3);
  return `/api/genes/?sort=${sort}&page[size]=${size}&page[number]=${page}&filter[min_score]=${minScore}`;
}

/** The next unique URL on each call: one cursor per server, kept across its runs, so no URL reaches a server twice. */
export function uniqueUrls(): () => string {
  let next = 0;
  return () => uniqueGeneListUrl(next++);
}
