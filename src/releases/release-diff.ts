/**
 * What changed from release a to release b, classified from the rows of one full join of their genes (pure).
 * A gene in both can be re-tiered and have a score change at once; it is then listed under both.
 */

/** One gene of the full join: the `a` / `b` columns are null when the gene is not in that release. */
export interface DiffRow {
  id: string;
  approved_symbol: string;
  hgnc_id: string | null;
  tier_a: string | null;
  tier_b: string | null;
  score_a: number | null;
  score_b: number | null;
}

interface DiffGene {
  id: string;
  approved_symbol: string;
  hgnc_id: string | null;
}

export interface ReleaseDiff {
  /** In b, not in a. */
  added: (DiffGene & { evidence_tier: string; evidence_score: number })[];
  /** In a, not in b. */
  removed: (DiffGene & { evidence_tier: string; evidence_score: number })[];
  retiered: (DiffGene & { from: string; to: string })[];
  /** |b − a| of evidence_score above the threshold, percentage points. */
  score_changes: (DiffGene & { from: number; to: number; delta: number })[];
}

const gene = (row: DiffRow): DiffGene => ({
  id: row.id,
  approved_symbol: row.approved_symbol,
  hgnc_id: row.hgnc_id,
});

/** Rows in any order in; each list in the rows' order out. `minScoreChange`: strictly more than this counts. */
export function classifyDiff(rows: readonly DiffRow[], minScoreChange: number): ReleaseDiff {
  const diff: ReleaseDiff = { added: [], removed: [], retiered: [], score_changes: [] };
  for (const row of rows) {
    const { tier_a, tier_b, score_a, score_b } = row;
    if (tier_a === null || score_a === null) {
      if (tier_b !== null && score_b !== null)
        diff.added.push({ ...gene(row), evidence_tier: tier_b, evidence_score: score_b });
      continue;
    }
    if (tier_b === null || score_b === null) {
      diff.removed.push({ ...gene(row), evidence_tier: tier_a, evidence_score: score_a });
      continue;
    }
    if (tier_a !== tier_b) diff.retiered.push({ ...gene(row), from: tier_a, to: tier_b });
    const delta = score_b - score_a;
    if (Math.abs(delta) > minScoreChange) {
      diff.score_changes.push({ ...gene(row), from: score_a, to: score_b, delta });
    }
  }
  return diff;
}
