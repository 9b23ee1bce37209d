import type { DiagnosticPanelsContribution, StoredEvidence } from './import-types.js';
import { latestDate } from './read-fields.js';
import { sortedUnion, stringsOf } from './sorted-sets.js';

/**
 * The stored sets plus every contribution's, counts recomputed from the union (docs/data-model.md, "Importing"):
 * panel_count = distinct panel names, provider_count = distinct providers. Other stored keys are kept.
 * evidence_date only moves forward (the latest scrape seen), so re-importing a file changes nothing.
 */
export function mergeDiagnosticPanels(
  stored: StoredEvidence | undefined,
  contributions: DiagnosticPanelsContribution[],
): StoredEvidence {
  const old = stored?.evidence_data ?? {};
  const panels = sortedUnion(stringsOf(old.panels), ...contributions.map((c) => c.panels));
  const providers = sortedUnion(stringsOf(old.providers), ...contributions.map((c) => c.providers));
  const hgncIds = sortedUnion(stringsOf(old.hgnc_ids), ...contributions.map((c) => c.hgncIds));
  return {
    evidence_data: {
      ...old,
      panel_count: panels.length,
      panels,
      providers,
      provider_count: providers.length,
      hgnc_ids: hgncIds,
    },
    source_detail: panelsDetail(panels.length, providers),
    evidence_date: latestDate([stored?.evidence_date, ...contributions.map((c) => c.date)]),
  };
}

/** Upstream's wording: "DiagnosticPanels: 16 panels from Blueprint Genetics, CeGaT, Centogene (+6 more)". */
function panelsDetail(panelCount: number, providers: string[]): string {
  const panels = `${panelCount} panel${panelCount === 1 ? '' : 's'}`;
  if (providers.length === 0) return `DiagnosticPanels: ${panels}, 0 providers`;
  const more = providers.length > 3 ? ` (+${providers.length - 3} more)` : '';
  return `DiagnosticPanels: ${panels} from ${providers.slice(0, 3).join(', ')}${more}`;
}
