import type { Queryable } from '../../src/db/pool.js';
import { type GeneFixture, insertGenes } from '../helpers/views.js';

/**
 * A dataset small enough to score by hand (docs/scoring.md). Active sources N = 4 (ClinGen, GenCC, Literature,
 * PanelApp). Literature percentiles: NPHS1 (1 paper) 0, UMOD (2) 0.5, PKD1 (3) 1; PanelApp has one row → 0.
 *   PKD1   ClinGen 1 + GenCC 1 + Literature 1 + PanelApp 0 = 3 → 75 %, 4 sources: comprehensive_support
 *   PKD2   ClinGen 1 + GenCC 0.8 = 1.8 → 45 %, 2 sources: established_support
 *   UMOD   Literature 0.5 → 12.5 %: preliminary_evidence / emerging_evidence
 *   NPHS1  Literature 0 → 0 %: no_evidence / insufficient
 *   ZERO_1 ClinGen 'Refuted Evidence' 0 → 0 %
 *   NONE%  no evidence: no gene_scores row (score null)
 */
export const FIXTURE: readonly GeneFixture[] = [
  {
    symbol: 'PKD1',
    hgncId: 'HGNC:9008',
    aliases: ['PBP'],
    evidence: {
      ClinGen: { classifications: ['Definitive'] },
      GenCC: { classifications: ['definitive', 'Strong'] },
      Literature: { publications: ['1', '2', '3'] },
      PanelApp: { panels: [{ id: 1 }, { id: 2 }] },
    },
  },
  {
    symbol: 'PKD2',
    hgncId: 'HGNC:9009',
    evidence: { ClinGen: { classifications: ['Definitive'] }, GenCC: { classifications: ['Strong'] } },
  },
  { symbol: 'UMOD', hgncId: 'HGNC:12559', evidence: { Literature: { publications: ['1', '2'] } } },
  { symbol: 'NPHS1', hgncId: 'HGNC:7908', evidence: { Literature: { publication_count: 1 } } },
  { symbol: 'ZERO_1', evidence: { ClinGen: { classifications: ['Refuted Evidence'] } } },
  { symbol: 'NONE%' },
];

export const PKD2_PERCENT = ((1 + 0.8) / 4) * 100;

export async function insertFixture(db: Queryable): Promise<Map<string, number>> {
  return insertGenes(db, FIXTURE);
}
