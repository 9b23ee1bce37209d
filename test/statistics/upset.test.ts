import { describe, expect, it } from 'vitest';
import { toUpset } from '../../src/statistics/upset.js';

describe('toUpset (upstream source-overlaps payload)', () => {
  it('derives set sizes, orders intersections and counts the overlap statistics', () => {
    const upset = toUpset([
      { sources: ['PanelApp'], size: 5 },
      { sources: ['HPO', 'ClinGen'], size: 5 },
      { sources: ['ClinGen', 'HPO', 'PanelApp'], size: 2 },
      { sources: ['ClinGen'], size: 7, genes: ['A', 'B'] },
    ]);
    expect(upset).toEqual({
      sets: [
        { name: 'ClinGen', size: 14 },
        { name: 'HPO', size: 7 },
        { name: 'PanelApp', size: 7 },
      ],
      intersections: [
        { sets: ['ClinGen'], size: 7, genes: ['A', 'B'] },
        { sets: ['PanelApp'], size: 5 },
        { sets: ['ClinGen', 'HPO'], size: 5 },
        { sets: ['ClinGen', 'HPO', 'PanelApp'], size: 2 },
      ],
      total_unique_genes: 19,
      overlap_statistics: {
        highest_overlap_count: 3,
        genes_in_all_sources: 2,
        single_source_combinations: 2,
        total_combinations: 4,
      },
    });
  });

  it('no genes: empty sets and intersections', () => {
    expect(toUpset([])).toEqual({
      sets: [],
      intersections: [],
      total_unique_genes: 0,
      overlap_statistics: {
        highest_overlap_count: 0,
        genes_in_all_sources: 0,
        single_source_combinations: 0,
        total_combinations: 0,
      },
    });
  });
});
