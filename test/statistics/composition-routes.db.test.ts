import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VIEWS } from '../../src/views/defs/index.js';
import { createRefresher } from '../../src/views/refresher.js';
import { buildCachedApp, type CachedApp, writeAndAwaitInvalidation } from '../cache/cache-fixture.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { insertGenes, refreshMaterializedViews } from '../helpers/views.js';

// GET /api/statistics/evidence-composition and /source-distributions on a fixture scored by hand
// (docs/scoring.md). N = 7 active sources.
//   D1  all seven sources, scored ClinGen 1, GenCC 1, PubTator 1 (2 PMIDs vs 1), the rest 0 (alone in their
//       source, or tied) → 3/7 = 42.9 %, 7 sources: multi_source_support
//   D2  ClinGen 'moderate' 0.6, GenCC 'Limited' 0.4, HPO 1 (60 terms vs 7), DiagnosticPanels 0, PubTator 0
//       → 2/7 = 28.6 %, 5 sources: established_support
//   D3  ClinGen 'Refuted Evidence' 0 → 0 %: no_evidence
//   D4  Literature without publications and an unknown source: nothing scored, no gene_scores row
const terms = (n: number) => Array.from({ length: n }, (_, i) => `HP:${String(i).padStart(7, '0')}`);

const FIXTURE = [
  {
    symbol: 'D1',
    evidence: {
      ClinGen: { classifications: ['Definitive'] },
      GenCC: {
        classifications: ['Definitive', 'Strong'],
        submissions: [
          { classification: 'Definitive' },
          { classification: 'strong' },
          { classification: 'Definitive' },
        ],
      },
      PanelApp: { panels: [{ id: 1 }, { id: 2 }] },
      HPO: { hpo_terms: terms(7) },
      DiagnosticPanels: { panels: ['x'], providers: ['A', 'B'] },
      Literature: { publications: ['1', '2', '3'] },
      PubTator: { pmids: ['1', '2'], publication_count: 2 },
    },
  },
  {
    symbol: 'D2',
    evidence: {
      ClinGen: { classifications: ['moderate', 'Odd'] },
      GenCC: {
        classifications: ['Limited'],
        submissions: [{ classification: 'LIMITED' }, { classification: 7 }, 'junk'],
      },
      HPO: { hpo_terms: terms(60) },
      DiagnosticPanels: { panels: ['x'], providers: ['A'] },
      PubTator: { pmids: ['1'], publication_count: 1 },
    },
  },
  { symbol: 'D3', evidence: { ClinGen: { classifications: ['Refuted Evidence'] } } },
  { symbol: 'D4', evidence: { Literature: { publications: [] }, OMIM: { mim: 1 } } },
];

let db: TestDatabase;
let cached: CachedApp;
let ids: Map<string, number>;

beforeAll(async () => {
  db = await createTestDatabase();
  ids = await insertGenes(db.pool, FIXTURE);
  await refreshMaterializedViews(db.pool);
  cached = await buildCachedApp(db.pool);
});
afterAll(async () => {
  await cached.close();
  await db.drop();
});

const get = (url: string) => cached.app.inject({ method: 'GET', url });
const data = async (url: string) => {
  const res = await get(url);
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
};

describe('GET /api/statistics/evidence-composition', () => {
  it('tiers, weights, coverage and summary over genes with a score > 0 by default', async () => {
    const body = await data('/api/statistics/evidence-composition');
    const tiers = [
      {
        tier: 'multi_source_support',
        tier_label: 'Multi-Source Support',
        gene_count: 1,
        percentage: 50,
        color: '#2196F3',
      },
      {
        tier: 'established_support',
        tier_label: 'Established Support',
        gene_count: 1,
        percentage: 50,
        color: '#1976D2',
      },
    ];
    expect(body.data).toEqual({
      evidence_tier_distribution: tiers,
      evidence_quality_distribution: tiers,
      source_contribution_weights: {
        ClinGen: 0.167,
        DiagnosticPanels: 0.167,
        GenCC: 0.167,
        HPO: 0.167,
        PubTator: 0.167,
        Literature: 0.083,
        PanelApp: 0.083,
      },
      source_coverage_distribution: [
        { source_count: 7, gene_count: 1, percentage: 50 },
        { source_count: 5, gene_count: 1, percentage: 50 },
      ],
      summary_statistics: {
        total_genes: 2,
        total_evidence_records: 12,
        active_sources: 7,
        avg_sources_per_gene: 6,
      },
    });
    // Largest gene count first: the key order is part of upstream's shape.
    expect(Object.keys(body.data.source_contribution_weights)).toEqual([
      'ClinGen',
      'DiagnosticPanels',
      'GenCC',
      'HPO',
      'PubTator',
      'Literature',
      'PanelApp',
    ]);
    expect(body.meta).toMatchObject({
      description: 'Evidence quality and composition analysis using actual evidence tiers',
      visualization_type: 'composition_analysis',
      filter_tiers: null,
      hide_zero_scores: true,
      data_version: expect.stringMatching(/^\d{8}$/),
      query_duration_ms: expect.any(Number),
    });
  });

  it('hide_zero_scores=false adds the no_evidence tier last; genes without a score row stay out', async () => {
    const body = await data('/api/statistics/evidence-composition?filter[hide_zero_scores]=false');
    expect(body.data.evidence_tier_distribution.map((t: { tier: string }) => t.tier)).toEqual([
      'multi_source_support',
      'established_support',
      'no_evidence',
    ]);
    expect(body.data.evidence_tier_distribution[2]).toEqual({
      tier: 'no_evidence',
      tier_label: 'Insufficient Evidence',
      gene_count: 1,
      percentage: 33.33,
      color: '#BDBDBD',
    });
    expect(body.data.source_contribution_weights).toMatchObject({
      ClinGen: 0.231,
      GenCC: 0.154,
      PanelApp: 0.077,
    });
    expect(body.data.source_coverage_distribution.at(-1)).toEqual({
      source_count: 1,
      gene_count: 1,
      percentage: 33.33,
    });
    expect(body.data.summary_statistics).toEqual({
      total_genes: 3,
      total_evidence_records: 13,
      active_sources: 7,
      avg_sources_per_gene: 4.33,
    });
    expect(body.meta.hide_zero_scores).toBe(false);
  });

  it('filter[tier] keeps the listed tiers and echoes them in meta', async () => {
    const body = await data(
      '/api/statistics/evidence-composition?filter[tier]=established_support,minimal_evidence',
    );
    expect(body.data.evidence_tier_distribution).toEqual([
      expect.objectContaining({ tier: 'established_support', gene_count: 1, percentage: 100 }),
    ]);
    expect(body.data.summary_statistics).toEqual({
      total_genes: 1,
      total_evidence_records: 5,
      active_sources: 5,
      avg_sources_per_gene: 5,
    });
    expect(body.meta.filter_tiers).toEqual(['established_support', 'minimal_evidence']);
  });
});

describe('GET /api/statistics/source-distributions', () => {
  it("upstream's per-source distributions over genes with a score > 0, sources in byte order", async () => {
    const body = await data('/api/statistics/source-distributions');
    expect(body.data).toEqual({
      ClinGen: {
        distribution: [
          { category: 'Definitive', gene_count: 1 },
          { category: 'Moderate', gene_count: 1 },
          { category: 'Odd', gene_count: 1 },
        ],
        metadata: { total_classifications: 3, total_genes: 3, visualization_type: 'classification_donut' },
      },
      DiagnosticPanels: {
        distribution: [
          { category: 1, gene_count: 1 },
          { category: 2, gene_count: 1 },
        ],
        metadata: { max_providers: 2, total_genes: 2, visualization_type: 'provider_histogram' },
      },
      GenCC: {
        distribution: [
          { category: 'Definitive', gene_count: 1 },
          { category: 'Strong', gene_count: 1 },
          { category: 'Limited', gene_count: 1 },
        ],
        metadata: { total_classifications: 3, total_genes: 3, visualization_type: 'classification_donut' },
      },
      HPO: {
        distribution: [
          { category: '6-10', gene_count: 1 },
          { category: '50+', gene_count: 1 },
        ],
        metadata: { total_ranges: 2, total_genes: 2, visualization_type: 'hpo_term_histogram' },
      },
      Literature: {
        distribution: [{ category: 3, gene_count: 1 }],
        metadata: { max_publications: 3, total_genes: 1, visualization_type: 'publication_histogram' },
      },
      PanelApp: {
        distribution: [{ category: 2, gene_count: 1 }],
        metadata: { max_panels: 2, total_genes: 1, visualization_type: 'panel_histogram' },
      },
      PubTator: {
        distribution: [
          { category: 1, gene_count: 1 },
          { category: 2, gene_count: 1 },
        ],
        metadata: { max_publications: 2, total_genes: 2, visualization_type: 'publication_histogram' },
      },
    });
    expect(Object.keys(body.data)).toEqual([
      'ClinGen',
      'DiagnosticPanels',
      'GenCC',
      'HPO',
      'Literature',
      'PanelApp',
      'PubTator',
    ]);
    expect(body.meta).toMatchObject({
      description: 'Source count distributions for bar chart visualization',
      visualization_type: 'bar_charts',
      source_count: 7,
      hide_zero_scores: true,
    });
  });

  it('hide_zero_scores=false covers every gene with evidence, an unknown source without a distribution', async () => {
    const body = await data('/api/statistics/source-distributions?filter[hide_zero_scores]=false');
    expect(body.data.ClinGen.distribution.map((d: { category: string }) => d.category)).toEqual([
      'Definitive',
      'Moderate',
      'Odd',
      'Refuted Evidence',
    ]);
    expect(body.data.Literature.distribution).toEqual([
      { category: 0, gene_count: 1 },
      { category: 3, gene_count: 1 },
    ]);
    expect(body.data.OMIM).toEqual({ distribution: [], metadata: { note: 'No distribution available' } });
    expect(body.meta.source_count).toBe(8);
  });

  it('filter[tier] keeps the genes of those tiers', async () => {
    const body = await data('/api/statistics/source-distributions?filter[tier]=established_support');
    expect(Object.keys(body.data)).toEqual(['ClinGen', 'DiagnosticPanels', 'GenCC', 'HPO', 'PubTator']);
    expect(body.data.HPO.distribution).toEqual([{ category: '50+', gene_count: 1 }]);
  });
});

describe('validation', () => {
  const tierDetail =
    "Unknown tier(s) 'no_evidence'. Allowed: comprehensive_support, multi_source_support, established_support, preliminary_evidence, minimal_evidence";
  it.each(['evidence-composition', 'source-distributions'])('%s: 400 naming the parameter', async (route) => {
    const cases: [string, string, string][] = [
      ['filter[tier]=no_evidence', 'filter[tier]', tierDetail],
      [
        'filter[hide_zero_scores]=maybe',
        'filter[hide_zero_scores]',
        "'filter[hide_zero_scores]' must be boolean: expected true or false",
      ],
      [
        'sources=HPO',
        'sources',
        "Unknown query parameter 'sources'. Allowed: filter[hide_zero_scores], filter[tier]",
      ],
    ];
    for (const [query, parameter, detail] of cases) {
      const res = await get(`/api/statistics/${route}?${query}`);
      expect(res.statusCode, query).toBe(400);
      expect(res.json().error).toMatchObject({ code: 'INVALID_PARAMETER', source: { parameter }, detail });
    }
  });
});

describe('cache', () => {
  it('a write to gene_evidence clears the cached statistics; the refresh of source_distribution_items again', async () => {
    const before = await data('/api/statistics/source-distributions');
    expect(before.data.ClinGen.distribution[1]).toEqual({ category: 'Moderate', gene_count: 1 });
    const composition = await data('/api/statistics/evidence-composition');
    expect(composition.data.summary_statistics.total_evidence_records).toBe(12);
    await writeAndAwaitInvalidation([cached.caching.cache], 'table:gene_evidence', async () => {
      await db.pool.query(
        `update gene_evidence set evidence_data = '{"classifications": ["STRONG"]}'::jsonb
          where gene_id = $1 and source_name = 'ClinGen'`,
        [ids.get('D2')],
      );
      await db.pool.query(
        `insert into gene_evidence (gene_id, source_name, evidence_data) values ($1, 'PanelApp', '{"panels": []}')`,
        [ids.get('D2')],
      );
    });
    // gene_evidence is read live by the composition: the new row counts before any refresh.
    const recomposed = await data('/api/statistics/evidence-composition');
    expect(recomposed.data.summary_statistics.total_evidence_records).toBe(13);
    // The distributions read the matview: as of its last refresh until the refresh clears the cache again.
    const stale = await data('/api/statistics/source-distributions');
    expect(stale.data.ClinGen.distribution).toEqual(before.data.ClinGen.distribution);
    const refresher = createRefresher({ pool: db.pool, views: VIEWS, listen: false });
    await writeAndAwaitInvalidation([cached.caching.cache], 'matview:source_distribution_items', async () => {
      const results = await refresher.refresh(['source_distribution_items']);
      expect(results.map((r) => r.outcome)).toContain('refreshed');
    });
    const after = await data('/api/statistics/source-distributions');
    expect(after.data.ClinGen.distribution).toEqual([
      { category: 'Definitive', gene_count: 1 },
      { category: 'Strong', gene_count: 1 },
    ]);
    expect(after.data.PanelApp.distribution).toEqual([
      { category: 0, gene_count: 1 },
      { category: 2, gene_count: 1 },
    ]);
  });
});
