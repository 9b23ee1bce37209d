import { describe, expect, it } from 'vitest';
import type { GenePage } from '../../src/genes/gene-repository.js';
import { pageLink, toListResponse } from '../../src/genes/gene-response.js';
import { parseSort } from '../../src/genes/gene-sort.js';
import { orderedTierCounts } from '../../src/genes/views/gene-rows.js';

const page = (total: number): GenePage => ({
  rows: [],
  total,
  facts: {
    maxEvidenceCount: 4,
    availableSources: ['ClinGen', 'HPO'],
    evidenceTiers: orderedTierCounts({ well_supported: { established_support: 2 } }),
    totalGenes: 100,
    nonzeroScoreGenes: 60,
  },
});

describe('gene list response', () => {
  it('links keep the request filters as sent and replace the page keys', () => {
    expect(pageLink('/api/genes/?filter[search]=a%25b&page[number]=3&sort=-id&page%5Bsize%5D=5', 2, 5)).toBe(
      '/api/genes/?page[number]=2&page[size]=5&filter[search]=a%25b&sort=-id',
    );
    expect(pageLink('/api/genes', 1, 20)).toBe('/api/genes?page[number]=1&page[size]=20');
  });

  it('meta and links for a middle page', () => {
    const query = { page: 2, size: 20, filters: { hideZeroScores: true }, sort: parseSort(undefined) };
    const body = toListResponse(page(45), query, '/api/genes?page[number]=2');
    expect(body.meta).toMatchObject({
      total: 45,
      page: 2,
      per_page: 20,
      page_count: 3,
      total_genes: 100,
      hidden_zero_scores: 40,
    });
    expect(body.meta.filters).toEqual({
      evidence_score: { min: 0, max: 100 },
      evidence_count: { min: 0, max: 4 },
      available_sources: ['ClinGen', 'HPO'],
    });
    expect(body.meta.evidence_tiers).toEqual({
      well_supported: { established_support: 2, total: 2 },
      emerging_evidence: { total: 0 },
    });
    expect(body.links).toEqual({
      self: '/api/genes?page[number]=2&page[size]=20',
      first: '/api/genes?page[number]=1&page[size]=20',
      last: '/api/genes?page[number]=3&page[size]=20',
      prev: '/api/genes?page[number]=1&page[size]=20',
      next: '/api/genes?page[number]=3&page[size]=20',
    });
  });

  it('an empty result has page_count 0, last = page 1, and nothing hidden when zero scores are shown', () => {
    const query = { page: 1, size: 20, filters: { hideZeroScores: false }, sort: parseSort(undefined) };
    const body = toListResponse(page(0), query, '/api/genes');
    expect(body.meta).toMatchObject({ total: 0, page_count: 0, hidden_zero_scores: 0 });
    expect(body.links.last).toBe('/api/genes?page[number]=1&page[size]=20');
    expect(body.links.next).toBeNull();
  });

  it('tier counts come strongest first with total last, whatever order the database gave', () => {
    const counts = orderedTierCounts({
      emerging_evidence: { total: 9, minimal_evidence: 5, preliminary_evidence: 4 },
      well_supported: { established_support: 1, comprehensive_support: 3 },
    });
    expect(JSON.stringify(counts)).toBe(
      '{"well_supported":{"comprehensive_support":3,"established_support":1,"total":4},"emerging_evidence":{"preliminary_evidence":4,"minimal_evidence":5,"total":9}}',
    );
  });
});
