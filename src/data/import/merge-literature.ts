import type { JsonObject, LiteratureContribution, StoredEvidence } from './import-types.js';
import { isRecord, latestDate } from './read-fields.js';
import { sortedPmids } from './sorted-sets.js';

/**
 * Merge semantics (docs/data-model.md, "Importing"): publications = stored PMIDs ∪ contributed PMIDs,
 * publication_count = distinct PMIDs. publication_details keeps stored entries and takes a contributed entry
 * over a stored one for the same PMID (later files over earlier ones), so corrected paper metadata lands on
 * re-import.
 * evidence_date only moves forward: the newest publication date seen.
 */
export function mergeLiterature(
  stored: StoredEvidence | undefined,
  contributions: LiteratureContribution[],
): StoredEvidence {
  const old = stored?.evidence_data ?? {};
  const storedPmids = Array.isArray(old.publications)
    ? old.publications.filter((p) => typeof p === 'string' || typeof p === 'number').map(String)
    : [];
  const publications = sortedPmids(storedPmids, ...contributions.map((c) => c.publications));
  const merged: JsonObject = { ...(isRecord(old.publication_details) ? old.publication_details : {}) };
  for (const c of contributions) Object.assign(merged, c.details);
  // jsonb stores keys in its own order anyway; sorting keeps the JS value equal to what comes back.
  const details = Object.fromEntries(sortedPmids(Object.keys(merged)).map((pmid) => [pmid, merged[pmid]]));
  const count = publications.length;
  return {
    evidence_data: { ...old, publication_count: count, publications, publication_details: details },
    source_detail: `Literature: ${count} publication${count === 1 ? '' : 's'}`,
    evidence_date: latestDate([stored?.evidence_date, ...contributions.map((c) => c.date)]),
  };
}
