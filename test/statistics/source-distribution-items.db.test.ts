import { describe, expect, it } from 'vitest';
import { insertGenes, refreshMaterializedViews, useEmptyDatabase } from '../helpers/views.js';

// The matview source-distribution-items.ts declares: one row per evidence row (its array's length for a counted
// source), and one more per distinct ClinGen / GenCC classification.

const db = useEmptyDatabase();

describe('source_distribution_items', () => {
  it('odd JSON shapes count as empty or are skipped, never an error; titles canonical case-insensitively', async () => {
    const ids = await insertGenes(db.pool, [
      {
        symbol: 'A',
        evidence: {
          ClinGen: { classifications: ['definitive', 'DEFINITIVE', 3, null, 'Own Title'] },
          GenCC: {
            submissions: [{ classification: 'disputed evidence' }, 'x', [1], { classification: null }],
          },
          PanelApp: { panels: { not: 'an array' } },
          HPO: { hpo_terms: ['HP:1', 'HP:2'] },
          OMIM: { panels: [1] },
        },
      },
      {
        symbol: 'B',
        evidence: {
          ClinGen: { classifications: 'Definitive' },
          GenCC: { submissions: null },
          PubTator: null,
          Literature: [],
          DiagnosticPanels: { providers: ['P1', 'P2', 'P3'] },
        },
      },
    ]);
    await refreshMaterializedViews(db.pool);
    const { rows } = await db.pool.query(
      `select gene_id, source_name, category, item_count from source_distribution_items
        order by gene_id, source_name collate "C", category collate "C"`,
    );
    const a = ids.get('A');
    const b = ids.get('B');
    expect(rows).toEqual([
      { gene_id: a, source_name: 'ClinGen', category: 'Definitive', item_count: null },
      { gene_id: a, source_name: 'ClinGen', category: 'Own Title', item_count: null },
      { gene_id: a, source_name: 'ClinGen', category: null, item_count: null },
      { gene_id: a, source_name: 'GenCC', category: 'Disputed Evidence', item_count: null },
      { gene_id: a, source_name: 'GenCC', category: null, item_count: null },
      { gene_id: a, source_name: 'HPO', category: null, item_count: 2 },
      { gene_id: a, source_name: 'OMIM', category: null, item_count: null },
      { gene_id: a, source_name: 'PanelApp', category: null, item_count: 0 },
      { gene_id: b, source_name: 'ClinGen', category: null, item_count: null },
      { gene_id: b, source_name: 'DiagnosticPanels', category: null, item_count: 3 },
      { gene_id: b, source_name: 'GenCC', category: null, item_count: null },
      { gene_id: b, source_name: 'Literature', category: null, item_count: 0 },
      { gene_id: b, source_name: 'PubTator', category: null, item_count: 0 },
    ]);
  });

  it('a classification title of any length fits the unique index a concurrent refresh needs', async () => {
    const title = `Definitive ${'x'.repeat(10_000)}`;
    const ids = await insertGenes(db.pool, [
      { symbol: 'LONG', evidence: { ClinGen: { classifications: [title] } } },
    ]);
    await refreshMaterializedViews(db.pool);
    await db.pool.query('refresh materialized view concurrently source_distribution_items');
    const { rows } = await db.pool.query(
      'select category from source_distribution_items where gene_id = $1 and category is not null',
      [ids.get('LONG')],
    );
    expect(rows).toEqual([{ category: title }]);
  });
});
