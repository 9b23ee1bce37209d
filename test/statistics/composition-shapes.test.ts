import { describe, expect, it } from 'vitest';
import { roundedRatio, toEvidenceComposition } from '../../src/statistics/evidence-composition.js';
import { toSourceDistributions } from '../../src/statistics/source-distributions.js';
import type { DistributionCount } from '../../src/statistics/statistics-repository.js';

describe('roundedRatio', () => {
  it('rounds the exact quotient half up, as PostgreSQL rounds a numeric', () => {
    // 1.005 is 1.00499999… as a double: Math.round(1.005 * 100) / 100 gives 1.
    expect(roundedRatio(201, 200, 2)).toBe(1.01);
    expect(roundedRatio(1, 3, 2)).toBe(0.33);
    expect(roundedRatio(2, 3, 2)).toBe(0.67);
    expect(roundedRatio(1, 8, 2)).toBe(0.13);
    expect(roundedRatio(1, 12, 3)).toBe(0.083);
    expect(roundedRatio(5, 5, 2)).toBe(1);
    expect(roundedRatio(0, 0, 2)).toBe(0);
  });
});

describe('toEvidenceComposition', () => {
  it('orders tiers comprehensive → no_evidence, coverage by source count desc, weights by genes desc', () => {
    const out = toEvidenceComposition({
      tiers: [
        { tier: 'no_evidence', gene_count: 1 },
        { tier: 'minimal_evidence', gene_count: 1 },
        { tier: 'comprehensive_support', gene_count: 1 },
      ],
      coverage: [
        { source_count: 1, gene_count: 2 },
        { source_count: 4, gene_count: 1 },
      ],
      sources: [
        { source_name: 'PanelApp', gene_count: 1, evidence_count: 1 },
        { source_name: 'HPO', gene_count: 3, evidence_count: 3 },
        { source_name: 'ClinGen', gene_count: 1, evidence_count: 2 },
      ],
    });
    expect(out.evidence_tier_distribution.map((t) => [t.tier, t.tier_label, t.percentage, t.color])).toEqual([
      ['comprehensive_support', 'Comprehensive Support', 33.33, '#4CAF50'],
      ['minimal_evidence', 'Minimal Evidence', 33.33, '#9E9E9E'],
      ['no_evidence', 'Insufficient Evidence', 33.33, '#BDBDBD'],
    ]);
    expect(out.evidence_quality_distribution).toBe(out.evidence_tier_distribution);
    expect(out.source_coverage_distribution).toEqual([
      { source_count: 4, gene_count: 1, percentage: 33.33 },
      { source_count: 1, gene_count: 2, percentage: 66.67 },
    ]);
    expect(Object.entries(out.source_contribution_weights)).toEqual([
      ['HPO', 0.5],
      ['ClinGen', 0.333],
      ['PanelApp', 0.167],
    ]);
    expect(out.summary_statistics).toEqual({
      total_genes: 3,
      total_evidence_records: 6,
      active_sources: 3,
      avg_sources_per_gene: 2,
    });
  });

  it('no genes: empty arrays and zeros, never NaN', () => {
    expect(toEvidenceComposition({ tiers: [], coverage: [], sources: [] })).toEqual({
      evidence_tier_distribution: [],
      evidence_quality_distribution: [],
      source_contribution_weights: {},
      source_coverage_distribution: [],
      summary_statistics: {
        total_genes: 0,
        total_evidence_records: 0,
        active_sources: 0,
        avg_sources_per_gene: 0,
      },
    });
  });
});

describe('toSourceDistributions', () => {
  const count = (source_name: string, item_count: number, gene_count: number): DistributionCount => ({
    source_name,
    category: null,
    item_count,
    gene_count,
  });
  const title = (source_name: string, category: string, gene_count: number): DistributionCount => ({
    source_name,
    category,
    item_count: null,
    gene_count,
  });

  it('HPO ranges: 0, 1-5, 6-10, 11-20, 21-50, 50+ (above 50), in that order', () => {
    const hpo = toSourceDistributions({
      sources: ['HPO'],
      groups: [51, 50, 21, 20, 11, 10, 6, 5, 1, 0].map((n) => count('HPO', n, 1)),
    }).HPO;
    expect(hpo?.distribution).toEqual([
      { category: '0', gene_count: 1 },
      { category: '1-5', gene_count: 2 },
      { category: '6-10', gene_count: 2 },
      { category: '11-20', gene_count: 2 },
      { category: '21-50', gene_count: 2 },
      { category: '50+', gene_count: 1 },
    ]);
    expect(hpo?.metadata).toEqual({
      total_ranges: 6,
      total_genes: 10,
      visualization_type: 'hpo_term_histogram',
    });
  });

  it("classifications in upstream's order per source, other titles after them in byte order", () => {
    const out = toSourceDistributions({
      sources: ['GenCC', 'ClinGen'],
      groups: [
        title('ClinGen', 'Refuted', 1),
        title('ClinGen', 'No Known Disease Relationship', 2),
        title('ClinGen', 'Definitive', 3),
        title('ClinGen', 'Disputed', 4),
        title('GenCC', 'Supportive', 1),
        title('GenCC', 'Refuted Evidence', 1),
        title('GenCC', 'Limited', 2),
        title('GenCC', 'No Known Disease Relationship', 1),
      ],
    });
    expect(Object.keys(out)).toEqual(['ClinGen', 'GenCC']);
    expect(out.ClinGen?.distribution.map((d) => d.category)).toEqual([
      'Definitive',
      'Disputed',
      'Refuted',
      'No Known Disease Relationship',
    ]);
    expect(out.GenCC?.distribution.map((d) => d.category)).toEqual([
      'Limited',
      'Supportive',
      'No Known Disease Relationship',
      'Refuted Evidence',
    ]);
    expect(out.GenCC?.metadata).toEqual({
      total_classifications: 4,
      total_genes: 5,
      visualization_type: 'classification_donut',
    });
  });

  it('histograms ascending by count with their max; a source without a handler has no distribution', () => {
    const out = toSourceDistributions({
      sources: ['PubTator', 'DiagnosticPanels', 'OMIM'],
      groups: [count('PubTator', 20, 3), count('PubTator', 3, 1), count('DiagnosticPanels', 1, 4)],
    });
    expect(out.PubTator).toEqual({
      distribution: [
        { category: 3, gene_count: 1 },
        { category: 20, gene_count: 3 },
      ],
      metadata: { max_publications: 20, total_genes: 4, visualization_type: 'publication_histogram' },
    });
    expect(out.DiagnosticPanels?.metadata).toEqual({
      max_providers: 1,
      total_genes: 4,
      visualization_type: 'provider_histogram',
    });
    expect(out.OMIM).toEqual({ distribution: [], metadata: { note: 'No distribution available' } });
  });
});
