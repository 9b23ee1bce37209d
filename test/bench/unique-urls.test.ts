import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UNIQUE_URL_CAPACITY, uniqueGeneListUrl, uniqueUrls } from '../../src/bench/unique-urls.js';
import { geneListKey } from '../../src/genes/gene-cache-keys.js';
import { toGeneListQuery } from '../../src/genes/gene-list-query.js';

const PARAMS = 'filter[min_score],page[number],page[size],sort';
const DECIMAL = /^\d+(\.\d+)?$/;

/**
 * The cache key the server derives from a URL: what "a new URL" has to change to be a cache miss. Throws on a
 * URL the route would refuse (toGeneListQuery checks the sort; the limits are checked here).
 */
function keyOf(url: string): string {
  const u = new URL(url, 'http://127.0.0.1');
  const params = u.searchParams;
  if (u.pathname !== '/api/genes/' || [...params.keys()].sort().join(',') !== PARAMS) throw new Error(url);
  const number = (name: string, max: number) => {
    const text = params.get(name) ?? '';
    if (!DECIMAL.test(text) || Number(text) > max) throw new Error(`${name} in ${url}`);
    return Number(text);
  };
  return geneListKey(
    toGeneListQuery({
      sort: params.get('sort') ?? undefined,
      'page[size]': number('page[size]', 100),
      'page[number]': number('page[number]', 10_000_000),
      'filter[min_score]': number('filter[min_score]', 100),
    }),
  );
}

describe('unique gene list URLs', () => {
  it('the first 100,000 give 100,000 cache keys, none the default page', () => {
    const next = uniqueUrls();
    const keys = new Set<string>();
    for (let i = 0; i < 100_000; i++) keys.add(keyOf(next()));
    expect(keys.size).toBe(100_000);
    expect(keys.has(geneListKey(toGeneListQuery({})))).toBe(false);
  });

  it('any two numbers in the whole range give two cache keys', () => {
    const n = fc.integer({ min: 0, max: UNIQUE_URL_CAPACITY - 1 });
    fc.assert(
      fc.property(n, n, (i, j) => {
        fc.pre(i !== j);
        expect(keyOf(uniqueGeneListUrl(i))).not.toBe(keyOf(uniqueGeneListUrl(j)));
      }),
    );
  });

  it('the last URL stays inside the route limits; past it is an error, not a repeat', () => {
    expect(uniqueGeneListUrl(UNIQUE_URL_CAPACITY - 1)).toContain('filter[min_score]=100.000');
    expect(() => uniqueGeneListUrl(UNIQUE_URL_CAPACITY)).toThrow(RangeError);
    expect(() => uniqueGeneListUrl(-1)).toThrow(RangeError);
  });

  it('consecutive URLs change the sort first, so a short run mixes the orders', () => {
    const next = uniqueUrls();
    const sorts = new Set(
      Array.from({ length: 18 }, () => new URL(next(), 'http://x').searchParams.get('sort')),
    );
    expect(sorts.size).toBe(18);
  });
});
