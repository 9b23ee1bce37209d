import type { EvidenceCounts, ImportSummary, SourceName } from './import-types.js';

/**
 * Created / updated / unchanged, in total and per source. `planned` has one entry per (gene, source)
 * the run wrote or compared; whatever was neither inserted nor rewritten was equal, hence unchanged.
 */
export function countEvidence(
  planned: SourceName[],
  created: SourceName[],
  updated: SourceName[],
): Pick<ImportSummary, 'evidence' | 'bySource'> {
  const bySource: Partial<Record<SourceName, EvidenceCounts>> = {};
  const bump = (source: SourceName, field: keyof EvidenceCounts, n: number) => {
    const counts = bySource[source] ?? { created: 0, updated: 0, unchanged: 0 };
    counts[field] += n;
    bySource[source] = counts;
  };
  for (const s of planned) bump(s, 'unchanged', 1);
  for (const s of created) {
    bump(s, 'created', 1);
    bump(s, 'unchanged', -1);
  }
  for (const s of updated) {
    bump(s, 'updated', 1);
    bump(s, 'unchanged', -1);
  }
  const evidence = { created: created.length, updated: updated.length, unchanged: 0 };
  evidence.unchanged = planned.length - evidence.created - evidence.updated;
  return { evidence, bySource };
}
