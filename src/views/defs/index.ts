import type { ViewDef } from '../view-def.js';
import { adminLogsFiltered } from './admin-logs-filtered.js';
import { combinedEvidenceScores } from './combined-evidence-scores.js';
import { evidenceClassificationWeights } from './evidence-classification-weights.js';
import { evidenceCountPercentiles } from './evidence-count-percentiles.js';
import { evidenceNormalizedScores } from './evidence-normalized-scores.js';
import { evidenceSourceCounts } from './evidence-source-counts.js';
import { evidenceSummaryView } from './evidence-summary-view.js';
import { geneListDetailed } from './gene-list-detailed.js';
import { geneListFacets } from './gene-list-facets.js';
import { geneListRanges } from './gene-list-ranges.js';
import { geneListStats } from './gene-list-stats.js';
import { geneScores } from './gene-scores.js';
import { genesCurrent } from './genes-current.js';
import { sourceDistributionItems } from './source-distribution-items.js';
import { sourceOverlapStatistics } from './source-overlap-statistics.js';

/** Every declared view, in dependency order (each entry only reads tables and entries before it). */
export const VIEWS: readonly ViewDef[] = [
  evidenceSourceCounts,
  evidenceClassificationWeights,
  evidenceCountPercentiles,
  evidenceNormalizedScores,
  combinedEvidenceScores,
  evidenceSummaryView,
  geneScores,
  geneListDetailed,
  geneListStats,
  geneListRanges,
  geneListFacets,
  adminLogsFiltered,
  genesCurrent,
  sourceOverlapStatistics,
  sourceDistributionItems,
];
