import { KgdbError } from '../errors.js';
import type { SortField, SortTerm } from './gene-repository.js';

/** Every name `sort` accepts (upstream's field_mapping) → the field it sorts on. */
export const SORT_FIELDS = {
  id: 'id',
  symbol: 'approved_symbol',
  approved_symbol: 'approved_symbol',
  hgnc_id: 'hgnc_id',
  score: 'evidence_score',
  evidence_score: 'evidence_score',
  count: 'evidence_count',
  evidence_count: 'evidence_count',
  created_at: 'created_at',
  updated_at: 'updated_at',
  evidence_tier: 'evidence_tier',
  evidence_group: 'evidence_group',
} as const satisfies Record<string, SortField>;

/** Every field the list sorts on, once each (the names above without their aliases), in that order. */
export const SORTABLE_FIELDS: readonly SortField[] = [...new Set(Object.values(SORT_FIELDS))];

type SortName = keyof typeof SORT_FIELDS;

export const DEFAULT_SORT = '-evidence_score,approved_symbol';

const isSortName = (name: string): name is SortName => Object.hasOwn(SORT_FIELDS, name);

/**
 * Parses `sort`: comma list, `-name` = descending, `name` or `+name` = ascending (a literal `+` arrives as a
 * space after URL decoding, so surrounding blanks are trimmed). An empty value means the default, as upstream.
 * Throws INVALID_PARAMETER naming `sort` and listing the allowed names on an unknown or empty field.
 */
export function parseSort(raw: string | undefined): SortTerm[] {
  const text = raw === undefined || raw.trim() === '' ? DEFAULT_SORT : raw;
  return text.split(',').map((item) => {
    const term = item.trim();
    const descending = term.startsWith('-');
    const name = descending || term.startsWith('+') ? term.slice(1).trim() : term;
    if (!isSortName(name)) {
      const what = name === '' ? 'Empty sort field' : `Unknown sort field '${name}'`;
      throw new KgdbError('INVALID_PARAMETER', {
        parameter: 'sort',
        detail: `${what} in '${raw}'. Allowed (prefix - for descending): ${Object.keys(SORT_FIELDS).join(', ')}`,
      });
    }
    return { field: SORT_FIELDS[name], descending };
  });
}
