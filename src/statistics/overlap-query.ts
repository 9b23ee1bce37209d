import { KgdbError } from '../errors.js';
import { parseTiers } from '../genes/gene-list-query.js';
import { SOURCES, type SourceName } from '../genes/gene-repository.js';
import type { OverlapQuery, StatisticsFilter } from './statistics-repository.js';
import type { SourceOverlapsQuerystring, StatisticsFilterQuerystring } from './statistics-schemas.js';

const isSource = (value: string): value is SourceName => (SOURCES as readonly string[]).includes(value);

/** `sources` as repeated keys and/or comma lists; an unknown name is a 400 listing the seven. */
function parseSources(raw: string | string[] | undefined): SourceName[] | undefined {
  if (raw === undefined) return undefined;
  const names = (Array.isArray(raw) ? raw : [raw])
    .flatMap((item) => item.split(','))
    .map((item) => item.trim())
    .filter((item) => item !== '');
  if (names.length === 0) return undefined;
  const unknown = names.filter((name) => !isSource(name));
  if (unknown.length > 0) {
    throw new KgdbError('INVALID_PARAMETER', {
      parameter: 'sources',
      detail: `Unknown source(s) ${unknown.map((s) => `'${s}'`).join(', ')}. Allowed: ${SOURCES.join(', ')}`,
    });
  }
  return [...new Set(names as SourceName[])];
}

/** The validated gene filters → a StatisticsFilter (an unknown tier is a 400 listing the five). Pure. */
export function toStatisticsFilter(q: StatisticsFilterQuerystring): StatisticsFilter {
  const tiers = parseTiers(q['filter[tier]']);
  return { hideZeroScores: q['filter[hide_zero_scores]'] ?? true, ...(tiers && { tiers }) };
}

/** The validated request → an OverlapQuery. Pure. */
export function toOverlapQuery(q: SourceOverlapsQuerystring): OverlapQuery {
  const sources = parseSources(q.sources);
  return { ...toStatisticsFilter(q), detail: q.detail ?? false, ...(sources && { sources }) };
}
