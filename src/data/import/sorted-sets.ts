/** The strings of a stored JSON array; anything else (missing key, a number, an object) counts as nothing. */
export function stringsOf(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** Distinct values in code-point order (PostgreSQL's "C" order), so the stored arrays never depend on locale. */
export function sortedUnion(...lists: string[][]): string[] {
  return [...new Set(lists.flat())].sort();
}

/** Distinct PubMed ids in numeric order: as text '9' would sort after '10'. */
export function sortedPmids(...lists: string[][]): string[] {
  return [...new Set(lists.flat())].sort((a, b) => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0));
}
