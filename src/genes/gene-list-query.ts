import { KgdbError } from '../errors.js';
import {
  EVIDENCE_TIERS,
  type EvidenceTier,
  type GeneListFilters,
  type GeneListQuery,
  type SourceName,
} from './gene-repository.js';
import { type GeneListQuerystring, MAX_IDS } from './gene-schemas.js';
import { parseSort } from './gene-sort.js';

const invalid = (parameter: string, detail: string) =>
  new KgdbError('INVALID_PARAMETER', { parameter, detail });

/** Comma list items, trimmed; empty items (a trailing comma, an empty value) are not values. */
const items = (raw: string | undefined): string[] =>
  raw === undefined
    ? []
    : raw
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item !== '');

const isTier = (value: string): value is EvidenceTier =>
  (EVIDENCE_TIERS as readonly string[]).includes(value);

/** `filter[tier]`: OR of the five non-zero tiers; an unknown one is a 400 listing the allowed. */
export function parseTiers(raw: string | undefined): EvidenceTier[] | undefined {
  const tiers = items(raw);
  if (tiers.length === 0) return undefined;
  const unknown = tiers.filter((tier) => !isTier(tier));
  if (unknown.length > 0) {
    throw invalid(
      'filter[tier]',
      `Unknown tier(s) ${unknown.map((t) => `'${t}'`).join(', ')}. Allowed: ${EVIDENCE_TIERS.join(', ')}`,
    );
  }
  return [...new Set(tiers as EvidenceTier[])];
}

/** `filter[ids]`: positive whole numbers, at most MAX_IDS of them. */
export function parseIds(raw: string | undefined): number[] | undefined {
  const ids = items(raw);
  if (ids.length === 0) return undefined;
  if (ids.length > MAX_IDS) {
    throw invalid('filter[ids]', `At most ${MAX_IDS} ids are allowed, got ${ids.length}`);
  }
  const bad = ids.find((id) => !/^\d{1,15}$/.test(id) || Number(id) < 1);
  if (bad !== undefined) {
    throw invalid(
      'filter[ids]',
      `'${bad}' is not a gene id: expected a comma list of positive whole numbers`,
    );
  }
  return [...new Set(ids.map(Number))];
}

function checkRange(min: number | undefined, max: number | undefined, name: 'score' | 'count'): void {
  if (min !== undefined && max !== undefined && min > max) {
    throw invalid(
      `filter[min_${name}]`,
      `filter[min_${name}] (${min}) must not exceed filter[max_${name}] (${max})`,
    );
  }
}

/**
 * The validated request → a GeneListQuery. The route schema has already checked types, ranges, enums and
 * unknown keys; this checks what a JSON schema cannot (comma lists, sort names, min ≤ max). Pure.
 */
export function toGeneListQuery(q: GeneListQuerystring): GeneListQuery {
  const search = q['filter[search]'];
  const minScore = q['filter[min_score]'];
  const maxScore = q['filter[max_score]'];
  const minCount = q['filter[min_count]'];
  const maxCount = q['filter[max_count]'];
  checkRange(minScore, maxScore, 'score');
  checkRange(minCount, maxCount, 'count');
  const filters: GeneListFilters = {
    hideZeroScores: q['filter[hide_zero_scores]'] ?? true,
    ...(search !== undefined && search !== '' && { search }),
    ...(minScore !== undefined && { minScore }),
    ...(maxScore !== undefined && { maxScore }),
    ...(minCount !== undefined && { minCount }),
    ...(maxCount !== undefined && { maxCount }),
    ...(q['filter[source]'] !== undefined && { source: q['filter[source]'] as SourceName }),
    ...(q['filter[group]'] !== undefined && { group: q['filter[group]'] as GeneListFilters['group'] }),
  };
  const tiers = parseTiers(q['filter[tier]']);
  if (tiers) filters.tiers = tiers;
  const ids = parseIds(q['filter[ids]']);
  if (ids) filters.ids = ids;
  return {
    page: q['page[number]'] ?? 1,
    size: q['page[size]'] ?? 20,
    filters,
    sort: parseSort(q.sort),
  };
}
