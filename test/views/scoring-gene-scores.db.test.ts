import { describe, expect, it } from 'vitest';
import {
  type GeneFixture,
  insertGene,
  insertGenes,
  refreshMaterializedViews,
  useEmptyDatabase,
} from '../helpers/views.js';

// gene_scores (materialized; docs/scoring.md, steps 4–5), and the one-row gene_list_stats built on it.

const db = useEmptyDatabase();

interface ScoreRow {
  approved_symbol: string;
  source_count: number;
  evidence_count: number;
  raw_score: number;
  percentage_score: number;
  total_active_sources: number;
  evidence_tier: string;
  evidence_group: string;
  source_scores: Record<string, number>;
  sources: string[];
}

async function scores(): Promise<Record<string, ScoreRow>> {
  await refreshMaterializedViews(db.pool);
  const { rows } = await db.pool.query<ScoreRow>('select * from gene_scores order by approved_symbol');
  return Object.fromEntries(rows.map((r) => [r.approved_symbol, r]));
}

const clingen = (...classifications: string[]) => ({ ClinGen: { classifications } });
const gencc = (...classifications: string[]) => ({ GenCC: { classifications } });
// Every count-source row below has count 1, so each partition is one tie → percent_rank 0 for all of them.
const pubtator = { PubTator: { publication_count: 1 } };
const literature = { Literature: { publications: ['1'] } };

describe('gene_scores', () => {
  it('N = distinct sources in combined_evidence_scores; pct = raw / N × 100; source_scores rounded to 4', async () => {
    await insertGenes(db.pool, [
      { symbol: 'A', evidence: { ...clingen('Moderate'), PubTator: { publication_count: 5 } } },
      { symbol: 'B', evidence: { PubTator: { publication_count: 3 } } },
      { symbol: 'C', evidence: { PubTator: { publication_count: 3 } } },
      { symbol: 'D', evidence: { PubTator: { publication_count: 10 }, HPO: { hpo_terms: [] } } },
      { symbol: 'NO_EVIDENCE' },
      { symbol: 'ONLY_ZERO', evidence: { PanelApp: { panels: [] }, Literature: {} } },
    ]);
    const s = await scores();
    // sources in the chain: ClinGen, PubTator (HPO, PanelApp, Literature rows all have count 0) → N = 2
    // PubTator: 3, 3, 5, 10 → 0, 0, 2/3, 1
    expect(Object.keys(s)).toEqual(['A', 'B', 'C', 'D']); // no evidence / only zero counts → no row
    expect(s.A).toMatchObject({
      source_count: 2,
      evidence_count: 2,
      raw_score: 0.6 + 2 / 3, // ClinGen then PubTator (source-name order) = 1.2666666666666666
      percentage_score: ((0.6 + 2 / 3) / 2) * 100, // 63.33333333333333
      total_active_sources: 2,
      source_scores: { ClinGen: 0.6, PubTator: 0.6667 },
      sources: ['ClinGen', 'PubTator'],
      evidence_tier: 'established_support', // 2 sources, ≥ 20 (not ≥ 3 sources)
      evidence_group: 'well_supported',
    });
    expect(s.B).toMatchObject({ raw_score: 0, percentage_score: 0, evidence_tier: 'no_evidence' });
    expect(s.D).toMatchObject({
      source_count: 1, // the zero-count HPO row is not a source of the score
      raw_score: 1,
      percentage_score: 50,
      source_scores: { PubTator: 1 },
      sources: ['PubTator'],
      evidence_tier: 'preliminary_evidence', // one source: ≥ 10 but not established
      evidence_group: 'emerging_evidence', // one source: not well_supported even at 50
    });
  });

  it('N changes when a source appears (after refresh), not for a source with only zero counts', async () => {
    await insertGenes(db.pool, [
      { symbol: 'X', evidence: clingen('Definitive') },
      { symbol: 'Y', evidence: gencc('Moderate') },
    ]);
    let s = await scores();
    // N = 2 (ClinGen, GenCC): X 1.0 / 2 × 100 = 50, Y 0.6 / 2 × 100 = 30
    expect([s.X?.percentage_score, s.Y?.percentage_score, s.X?.total_active_sources]).toEqual([50, 30, 2]);

    await insertGene(db.pool, { symbol: 'Z', evidence: { HPO: { hpo_terms: [] } } });
    s = await scores();
    expect([s.X?.percentage_score, s.X?.total_active_sources]).toEqual([50, 2]); // HPO count 0 → still 2

    const y = await db.pool.query<{ id: number }>(`select id from genes where approved_symbol = 'Y'`);
    await db.pool.query(
      `insert into gene_evidence (gene_id, source_name, evidence_data) values ($1, 'PanelApp', '{"panels": [{"id": 1}]}')`,
      [y.rows[0]?.id],
    );
    const stale = await db.pool.query('select percentage_score from gene_scores where gene_id = $1', [
      y.rows[0]?.id,
    ]);
    expect(stale.rows[0]?.percentage_score).toBe(30); // materialized: unchanged until refreshed
    s = await scores();
    // N = 3: X 1.0 / 3 × 100 = 33.33333333333333; Y (GenCC 0.6 + PanelApp one-row partition 0) / 3 × 100 = 20
    expect([s.X?.percentage_score, s.Y?.percentage_score, s.Y?.total_active_sources]).toEqual([
      (1 / 3) * 100,
      20,
      3,
    ]);
    expect(s.Y?.source_scores).toEqual({ GenCC: 0.6, PanelApp: 0 });
    expect(s.Y?.evidence_tier).toBe('established_support'); // 2 sources, exactly 20
  });

  it('evidence tiers and groups at their boundaries', async () => {
    // N = 4 (ClinGen, GenCC, Literature, PubTator); count sources score 0, so pct = 25 × (ClinGen + GenCC weight).
    const fixtures: Array<GeneFixture & { tier: string; group: string; pct: number }> = [
      {
        symbol: 'COMP_50',
        evidence: { ...clingen('Definitive'), ...gencc('Definitive'), ...literature, ...pubtator },
        pct: 50,
        tier: 'comprehensive_support',
        group: 'well_supported',
      },
      {
        symbol: 'MULTI_45_4SRC',
        evidence: { ...clingen('Strong'), ...gencc('Definitive'), ...literature, ...pubtator },
        pct: 45,
        tier: 'multi_source_support',
        group: 'well_supported',
      },
      {
        symbol: 'MULTI_50_3SRC',
        evidence: { ...clingen('Definitive'), ...gencc('Definitive'), ...pubtator },
        pct: 50,
        tier: 'multi_source_support',
        group: 'well_supported',
      },
      {
        symbol: 'MULTI_35',
        evidence: { ...clingen('Limited'), ...gencc('Definitive'), ...literature },
        pct: 35,
        tier: 'multi_source_support',
        group: 'well_supported',
      },
      {
        symbol: 'EST_30_3SRC',
        evidence: { ...clingen('Disputed'), ...gencc('Definitive'), ...literature },
        pct: 30,
        tier: 'established_support',
        group: 'well_supported',
      },
      {
        symbol: 'EST_20',
        evidence: { ...clingen('Strong'), ...literature },
        pct: 20,
        tier: 'established_support',
        group: 'well_supported',
      },
      {
        symbol: 'PRE_15_2SRC',
        evidence: { ...clingen('Moderate'), ...literature },
        pct: 15,
        tier: 'preliminary_evidence',
        group: 'emerging_evidence',
      },
      {
        symbol: 'PRE_25_1SRC',
        evidence: gencc('Definitive'),
        pct: 25,
        tier: 'preliminary_evidence',
        group: 'emerging_evidence',
      },
      {
        symbol: 'PRE_10',
        evidence: gencc('Limited'),
        pct: 10,
        tier: 'preliminary_evidence',
        group: 'emerging_evidence',
      },
      {
        symbol: 'MIN_5',
        evidence: gencc('Disputed Evidence'),
        pct: 5,
        tier: 'minimal_evidence',
        group: 'emerging_evidence',
      },
      {
        symbol: 'NONE_CLINGEN',
        evidence: clingen('No Known Disease Relationship'),
        pct: 0,
        tier: 'no_evidence',
        group: 'insufficient',
      },
      { symbol: 'NONE_PUBTATOR', evidence: pubtator, pct: 0, tier: 'no_evidence', group: 'insufficient' },
    ];
    await insertGenes(db.pool, fixtures);
    const s = await scores();
    const actual = Object.fromEntries(
      fixtures.map((f) => [
        f.symbol,
        [s[f.symbol]?.percentage_score, s[f.symbol]?.evidence_tier, s[f.symbol]?.evidence_group],
      ]),
    );
    expect(actual).toEqual(Object.fromEntries(fixtures.map((f) => [f.symbol, [f.pct, f.tier, f.group]])));
    expect(s.COMP_50?.total_active_sources).toBe(4);
  });
});

describe('gene_list_stats (list-wide facts for the API meta)', () => {
  it('counts genes, hidden zero scores, tiers per group, sources and ranges as of the refresh', async () => {
    await insertGenes(db.pool, [
      { symbol: 'A', evidence: { ...clingen('Definitive'), ...gencc('Definitive'), ...pubtator } }, // 3 src, 1.0+1.0+0 → 66.67 multi
      { symbol: 'B', evidence: gencc('Limited') }, // 0.4 / 3 → 13.33 preliminary
      { symbol: 'C', evidence: clingen('Refuted Evidence') }, // 0 → no_evidence (hidden)
      { symbol: 'D', evidence: { HPO: { hpo_terms: [] } } }, // not scored
      { symbol: 'E' },
    ]);
    await refreshMaterializedViews(db.pool);
    const { rows } = await db.pool.query('select * from gene_list_stats');
    expect(rows).toEqual([
      {
        id: 1,
        total_genes: 5,
        scored_genes: 3,
        nonzero_score_genes: 2,
        hidden_zero_scores: 3,
        total_active_sources: 3,
        min_percentage_score: 0,
        max_percentage_score: (2 / 3) * 100,
        min_evidence_count: 1,
        max_evidence_count: 3,
        available_sources: ['ClinGen', 'GenCC', 'HPO', 'PubTator'], // from gene_evidence, byte order
        evidence_tiers: {
          well_supported: { multi_source_support: 1, total: 1 },
          emerging_evidence: { preliminary_evidence: 1, total: 1 },
        },
      },
    ]);
  });

  it('has one row of zeros on an empty database', async () => {
    await refreshMaterializedViews(db.pool);
    const { rows } = await db.pool.query('select * from gene_list_stats');
    expect(rows).toEqual([
      expect.objectContaining({
        total_genes: 0,
        nonzero_score_genes: 0,
        hidden_zero_scores: 0,
        max_evidence_count: 0,
        available_sources: [],
        evidence_tiers: { well_supported: { total: 0 }, emerging_evidence: { total: 0 } },
      }),
    ]);
  });
});
