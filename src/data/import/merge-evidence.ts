import type {
  Contribution,
  DiagnosticPanelsContribution,
  LiteratureContribution,
  ReplaceContribution,
  SourceName,
  StoredEvidence,
} from './import-types.js';
import { mergeDiagnosticPanels } from './merge-diagnostic-panels.js';
import { mergeLiterature } from './merge-literature.js';

/**
 * The row one (gene, source) gets from what is stored and what this run contributes. Union sources
 * merge; any other source takes the run's one row as is (collectEvidence allows only one). The result
 * is a pure function of its inputs, which is what makes a repeated import a no-op.
 */
export function mergeEvidence(
  source: SourceName,
  stored: StoredEvidence | undefined,
  contributions: Contribution[],
): StoredEvidence {
  if (source === 'DiagnosticPanels') {
    return mergeDiagnosticPanels(
      stored,
      contributions.filter((c): c is DiagnosticPanelsContribution => c.source === source),
    );
  }
  if (source === 'Literature') {
    return mergeLiterature(
      stored,
      contributions.filter((c): c is LiteratureContribution => c.source === source),
    );
  }
  const row = contributions.findLast((c): c is ReplaceContribution => c.source === source);
  if (!row) throw new Error(`mergeEvidence: no ${source} contribution`);
  return {
    evidence_data: row.evidenceData,
    source_detail: row.sourceDetail,
    evidence_date: row.evidenceDate,
  };
}
