import { describe, expect, it } from 'vitest';
import { planEvidenceCounts, zeroEvidenceGenes } from '../../src/data/demo/evidence-plan.js';
import { KIDNEY_GENES } from '../../src/data/demo/kidney-genes.js';

const sum = (counts: Uint8Array) => counts.reduce((a, b) => a + b, 0);
const histogram = (counts: Uint8Array) => {
  const h = new Array<number>(8).fill(0);
  for (const c of counts) h[c] = (h[c] ?? 0) + 1;
  return h;
};

describe('planEvidenceCounts', () => {
  it.each([
    [5_000, 25_000],
    [5_000, 10_000],
    [1_000, 1_000],
    [1_000, 7_000],
    [300, 0],
    [50, 49],
    [1, 7],
    [1, 3],
    [2_000, 13_999],
  ])('%i genes, %i evidence rows: exact total, 0..7 per gene', (genes, evidence) => {
    const counts = planEvidenceCounts(42, genes, evidence);
    expect(counts.length).toBe(genes);
    expect(sum(counts)).toBe(evidence);
    expect(Math.max(...counts)).toBeLessThanOrEqual(7);
  });

  it('is pure: same seed, same plan; another seed, another plan', () => {
    expect(planEvidenceCounts(1, 2_000, 6_000)).toEqual(planEvidenceCounts(1, 2_000, 6_000));
    expect(planEvidenceCounts(1, 2_000, 6_000)).not.toEqual(planEvidenceCounts(2, 2_000, 6_000));
  });

  it('leaves ~2.5 % of genes without evidence when the total allows, never the real kidney genes', () => {
    const counts = planEvidenceCounts(42, 5_000, 25_000);
    expect(histogram(counts)[0]).toBe(125);
    expect(counts.slice(0, KIDNEY_GENES.length).every((c) => c > 0)).toBe(true);
    expect(zeroEvidenceGenes(5_000, 25_000)).toBe(125);
    // Every gene needs all seven, so none can go without.
    expect(zeroEvidenceGenes(1_000, 7_000)).toBe(0);
    // Fewer rows than genes: at least N − E genes get nothing.
    expect(zeroEvidenceGenes(1_000, 500)).toBe(500);
  });

  it('gives the twelve core genes all seven sources and the other real genes more than the mean', () => {
    const counts = planEvidenceCounts(42, 5_000, 10_000);
    expect([...counts.slice(0, 12)]).toEqual(new Array(12).fill(7));
    const known = [...counts.slice(12, KIDNEY_GENES.length)];
    expect(known.reduce((a, b) => a + b, 0) / known.length).toBeGreaterThan(4);
  });

  it('spreads counts around a low mean with a tail: mostly 1–2 sources, a few genes with all 7', () => {
    const h = histogram(planEvidenceCounts(42, 5_000, 10_000));
    expect((h[1] ?? 0) + (h[2] ?? 0)).toBeGreaterThan(0.6 * 5_000);
    expect(h[7]).toBeGreaterThan(12);
    expect(h[7]).toBeLessThan(0.05 * 5_000);
  });

  it('spreads counts around a high mean instead of piling them up at 7', () => {
    const h = histogram(planEvidenceCounts(42, 5_000, 25_000));
    expect(h[7]).toBeLessThan(0.3 * 5_000);
    expect((h[3] ?? 0) + (h[4] ?? 0) + (h[5] ?? 0) + (h[6] ?? 0)).toBeGreaterThan(0.6 * 5_000);
  });
});
