import { describe, expect, it } from 'vitest';
import { insertGene, insertGenes, useEmptyDatabase } from '../helpers/views.js';

// The per-evidence-row views (docs/scoring.md, steps 1–3), on hand-built datasets.

const db = useEmptyDatabase();

/** symbol → value of `column` in `view` for the gene's row of `source`. */
async function bySymbol(view: string, column: string, source?: string): Promise<Record<string, number>> {
  const { rows } = await db.pool.query<{ approved_symbol: string; v: number }>(
    `select v.approved_symbol, v.${column} as v from ${view} v where $1::text is null or v.source_name = $1`,
    [source ?? null],
  );
  return Object.fromEntries(rows.map((r) => [r.approved_symbol, r.v]));
}

describe('evidence_source_counts', () => {
  it('each source counts the documented key, with its fallback', async () => {
    await insertGenes(db.pool, [
      { symbol: 'PA', evidence: { PanelApp: { panels: [{ id: 1 }, { id: 2 }, { id: 3 }], panel_count: 9 } } },
      { symbol: 'HPO_BOTH', evidence: { HPO: { hpo_terms: ['HP:1', 'HP:2'], diseases: ['OMIM:1'] } } },
      { symbol: 'HPO_TERMS', evidence: { HPO: { hpo_terms: ['HP:1', 'HP:2'] } } },
      { symbol: 'PT_COUNT', evidence: { PubTator: { publication_count: 7, pmids: ['1', '2', '3'] } } },
      { symbol: 'PT_PMIDS', evidence: { PubTator: { pmids: ['1', '2'] } } },
      { symbol: 'DP_COUNT', evidence: { DiagnosticPanels: { panel_count: 4, panels: ['a'] } } },
      { symbol: 'DP_PANELS', evidence: { DiagnosticPanels: { panels: ['a', 'b', 'c'] } } },
      { symbol: 'GENCC', evidence: { GenCC: { classifications: ['Strong', 'Limited'] } } },
      { symbol: 'CLINGEN', evidence: { ClinGen: { classifications: ['Definitive', 'Strong', 'Limited'] } } },
      { symbol: 'LIT_COUNT', evidence: { Literature: { publication_count: 5, publications: ['1'] } } },
      { symbol: 'LIT_PUBS', evidence: { Literature: { publications: ['1', '2'] } } },
      { symbol: 'OTHER', evidence: { SomethingElse: { panels: [1, 2] } } },
    ]);
    expect(await bySymbol('evidence_source_counts', 'source_count')).toEqual({
      PA: 3, // len(panels); panel_count is not read for PanelApp
      HPO_BOTH: 3, // 2 terms + 1 disease
      HPO_TERMS: 2, // diseases missing → 0
      PT_COUNT: 7, // publication_count wins over len(pmids)
      PT_PMIDS: 2,
      DP_COUNT: 4, // panel_count wins over len(panels)
      DP_PANELS: 3,
      GENCC: 2,
      CLINGEN: 1, // always 1
      LIT_COUNT: 5,
      LIT_PUBS: 2,
      OTHER: 0,
    });
  });

  it('missing keys count 0 and never raise', async () => {
    const sources = ['PanelApp', 'HPO', 'PubTator', 'DiagnosticPanels', 'GenCC', 'Literature'];
    for (const source of sources) await insertGene(db.pool, { symbol: source, evidence: { [source]: {} } });
    expect(await bySymbol('evidence_source_counts', 'source_count')).toEqual(
      Object.fromEntries(sources.map((s) => [s, 0])),
    );
  });

  it('non-array values, null values and non-object evidence_data count 0 and never raise', async () => {
    await insertGenes(db.pool, [
      { symbol: 'PA_STRING', evidence: { PanelApp: { panels: 'three' } } },
      { symbol: 'PA_OBJECT', evidence: { PanelApp: { panels: { a: 1, b: 2 } } } },
      { symbol: 'PA_NULL', evidence: { PanelApp: { panels: null } } },
      { symbol: 'HPO_NUMBER', evidence: { HPO: { hpo_terms: 5, diseases: ['OMIM:1'] } } },
      { symbol: 'GENCC_STRING', evidence: { GenCC: { classifications: 'Definitive' } } },
      // a count that is not a whole number falls back to the array, as a missing one does
      { symbol: 'PT_TEXT', evidence: { PubTator: { publication_count: 'many', pmids: ['1'] } } },
      { symbol: 'PT_DIGITS', evidence: { PubTator: { publication_count: '12', pmids: ['1'] } } },
      { symbol: 'DP_NULL', evidence: { DiagnosticPanels: { panel_count: null, panels: ['a', 'b'] } } },
      { symbol: 'LIT_HUGE', evidence: { Literature: { publication_count: 1e30, publications: ['1'] } } },
      { symbol: 'EVIDENCE_ARRAY', evidence: { PanelApp: [1, 2, 3] } },
      { symbol: 'EVIDENCE_STRING', evidence: { HPO: 'HP:1' } },
    ]);
    expect(await bySymbol('evidence_source_counts', 'source_count')).toEqual({
      PA_STRING: 0,
      PA_OBJECT: 0,
      PA_NULL: 0,
      HPO_NUMBER: 1, // 0 for the non-array terms + 1 disease
      GENCC_STRING: 0,
      PT_TEXT: 1,
      PT_DIGITS: 12,
      DP_NULL: 2,
      LIT_HUGE: 1, // > 18 digits cannot be a bigint count
      EVIDENCE_ARRAY: 0,
      EVIDENCE_STRING: 0,
    });
  });
});

describe('evidence_classification_weights', () => {
  const permutations = <T>(items: readonly T[]): T[][] =>
    items.length <= 1
      ? [[...items]]
      : items.flatMap((item, i) =>
          permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((p) => [item, ...p]),
        );

  it('GenCC and ClinGen weights are the max over classifications in any order', async () => {
    const sets = { TOP: ['Limited', 'Definitive', 'moderate'], MID: ['Disputed', 'Limited', 'STRONG'] };
    const expected: Record<string, number> = {};
    for (const source of ['GenCC', 'ClinGen']) {
      for (const [name, set] of Object.entries(sets)) {
        for (const [i, order] of permutations(set).entries()) {
          const symbol = `${source}_${name}_${i}`;
          await insertGene(db.pool, { symbol, evidence: { [source]: { classifications: order } } });
          expected[symbol] = name === 'TOP' ? 1.0 : 0.8;
        }
      }
    }
    expect(Object.keys(expected)).toHaveLength(24); // 2 sources × 2 sets × 3! orders
    expect(await bySymbol('evidence_classification_weights', 'classification_weight')).toEqual(expected);
  });

  it('each classification weighs as listed, case-insensitively', async () => {
    const weights: Record<string, number> = {
      Definitive: 1.0,
      strong: 0.8,
      MODERATE: 0.6,
      Supportive: 0.5,
      limited: 0.4,
      Disputed: 0.2,
      'disputed EVIDENCE': 0.2,
      'No Known Disease Relationship': 0.0,
      'Refuted Evidence': 0.0,
      'Something new': 0.0,
    };
    const expected: Record<string, number> = {};
    for (const [i, [classification, weight]] of Object.entries(weights).entries()) {
      await insertGene(db.pool, {
        symbol: `G${i}`,
        evidence: { GenCC: { classifications: [classification] } },
      });
      await insertGene(db.pool, {
        symbol: `C${i}`,
        evidence: { ClinGen: { classifications: [classification] } },
      });
      expected[`G${i}`] = weight;
      expected[`C${i}`] = weight;
    }
    expect(await bySymbol('evidence_classification_weights', 'classification_weight')).toEqual(expected);
  });

  it('no classifications (missing, empty, non-array, non-string elements) weigh 0.0; other sources are absent', async () => {
    await insertGenes(db.pool, [
      { symbol: 'MISSING', evidence: { GenCC: {} } },
      { symbol: 'EMPTY', evidence: { ClinGen: { classifications: [] } } },
      { symbol: 'STRING', evidence: { ClinGen: { classifications: 'Definitive' } } },
      {
        symbol: 'MIXED',
        evidence: { GenCC: { classifications: [1, { title: 'Definitive' }, null, 'Moderate'] } },
      },
      { symbol: 'PANELAPP', evidence: { PanelApp: { panels: [1] } } },
    ]);
    expect(await bySymbol('evidence_classification_weights', 'classification_weight')).toEqual({
      MISSING: 0,
      EMPTY: 0,
      STRING: 0,
      MIXED: 0.6,
    });
  });
});

describe('evidence_count_percentiles', () => {
  it('percent_rank over ln(1 + count) per source: ties, one-row partitions, zero counts dropped', async () => {
    await insertGenes(db.pool, [
      { symbol: 'A', evidence: { PubTator: { publication_count: 5 }, Literature: { publications: ['1'] } } },
      {
        symbol: 'B',
        evidence: { PubTator: { publication_count: 3 }, Literature: { publications: ['1', '2'] } },
      },
      { symbol: 'C', evidence: { PubTator: { publication_count: 3 }, Literature: { publications: [] } } },
      {
        symbol: 'D',
        evidence: { PubTator: { publication_count: 10 }, HPO: { hpo_terms: ['HP:1', 'HP:2'] } },
      },
      { symbol: 'E', evidence: { PubTator: { publication_count: 0 }, HPO: { hpo_terms: [] } } },
    ]);
    // PubTator: E (0) drops out; n = 4 ordered 3, 3, 5, 10 → ranks 1, 1, 3, 4 → (rank − 1)/(n − 1) = 0, 0, 2/3, 1
    expect(await bySymbol('evidence_count_percentiles', 'percentile_score', 'PubTator')).toEqual({
      B: 0,
      C: 0,
      A: 2 / 3,
      D: 1,
    });
    // Literature: C (0) drops out; n = 2 ordered 1, 2 → 0, 1
    expect(await bySymbol('evidence_count_percentiles', 'percentile_score', 'Literature')).toEqual({
      A: 0,
      B: 1,
    });
    // HPO: E (0) drops out; one row left → 0
    expect(await bySymbol('evidence_count_percentiles', 'percentile_score', 'HPO')).toEqual({ D: 0 });
    const zero = await db.pool.query('select 1 from evidence_count_percentiles where source_count <= 0');
    expect(zero.rowCount).toBe(0);
  });

  it('a partition of equal counts ranks every row 0', async () => {
    for (const symbol of ['A', 'B', 'C']) {
      await insertGene(db.pool, { symbol, evidence: { DiagnosticPanels: { panel_count: 2 } } });
    }
    // all tied → rank 1 each → (1 − 1)/(3 − 1) = 0
    expect(await bySymbol('evidence_count_percentiles', 'percentile_score')).toEqual({ A: 0, B: 0, C: 0 });
  });
});

describe('normalized, combined and summary views', () => {
  it('GenCC/ClinGen use the classification weight, other sources their percentile', async () => {
    await insertGenes(db.pool, [
      {
        symbol: 'A',
        evidence: { GenCC: { classifications: ['Moderate'] }, PanelApp: { panels: [1] } },
      },
      {
        symbol: 'B',
        evidence: {
          GenCC: { classifications: ['Limited', 'Strong', 'Supportive'] },
          PanelApp: { panels: [1, 2] },
        },
      },
      { symbol: 'C', evidence: { ClinGen: { classifications: [] }, PanelApp: { panels: [] } } },
    ]);
    const { rows } = await db.pool.query<{
      approved_symbol: string;
      source_name: string;
      normalized_score: number;
    }>(
      `select approved_symbol, source_name, normalized_score from evidence_normalized_scores
        order by approved_symbol, source_name`,
    );
    // GenCC counts (1 and 3) would rank 0 and 1; the weights are 0.6 and 0.8 (max of 0.4, 0.8, 0.5).
    // PanelApp: C (0 panels) drops out; A (1) → 0, B (2) → 1. ClinGen with no classifications stays, at 0.
    expect(rows).toEqual([
      { approved_symbol: 'A', source_name: 'GenCC', normalized_score: 0.6 },
      { approved_symbol: 'A', source_name: 'PanelApp', normalized_score: 0 },
      { approved_symbol: 'B', source_name: 'GenCC', normalized_score: 0.8 },
      { approved_symbol: 'B', source_name: 'PanelApp', normalized_score: 1 },
      { approved_symbol: 'C', source_name: 'ClinGen', normalized_score: 0 },
    ]);
  });

  it('combined_evidence_scores adds display_name = source_name and source_type pipeline', async () => {
    const id = await insertGene(db.pool, { symbol: 'A', evidence: { HPO: { hpo_terms: ['HP:1'] } } });
    const { rows } = await db.pool.query('select * from combined_evidence_scores');
    expect(rows).toEqual([
      {
        evidence_id: expect.any(Number),
        gene_id: id,
        approved_symbol: 'A',
        source_name: 'HPO',
        display_name: 'HPO',
        normalized_score: 0,
        source_type: 'pipeline',
      },
    ]);
  });

  it('evidence_summary_view has every evidence row, 0 when it left the chain, and the curation', async () => {
    const a = await insertGene(db.pool, {
      symbol: 'A',
      hgncId: 'HGNC:1',
      evidence: { PubTator: { publication_count: 4 }, Literature: { publications: [] } },
    });
    await insertGene(db.pool, { symbol: 'B', evidence: { PubTator: { publication_count: 9 } } });
    await db.pool.query(
      `insert into gene_curations (gene_id, classification, updated_at) values ($1, 'definitive', '2024-05-01T00:00:00Z')`,
      [a],
    );
    const { rows } = await db.pool.query(
      `select approved_symbol, hgnc_id, source_name, normalized_score, classification, last_curated, evidence_data
         from evidence_summary_view order by approved_symbol, source_name`,
    );
    expect(rows).toEqual([
      {
        approved_symbol: 'A',
        hgnc_id: 'HGNC:1',
        source_name: 'Literature',
        normalized_score: 0, // zero count: not in the chain → coalesce 0
        classification: 'definitive',
        last_curated: new Date('2024-05-01T00:00:00Z'),
        evidence_data: { publications: [] },
      },
      {
        approved_symbol: 'A',
        hgnc_id: 'HGNC:1',
        source_name: 'PubTator',
        normalized_score: 0, // PubTator 4, 9 → 0, 1
        classification: 'definitive',
        last_curated: new Date('2024-05-01T00:00:00Z'),
        evidence_data: { publication_count: 4 },
      },
      {
        approved_symbol: 'B',
        hgnc_id: null,
        source_name: 'PubTator',
        normalized_score: 1,
        classification: null,
        last_curated: null,
        evidence_data: { publication_count: 9 },
      },
    ]);
  });
});
