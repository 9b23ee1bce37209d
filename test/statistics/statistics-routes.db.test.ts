import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertFixture } from '../genes/gene-fixture.js';
import { testApp } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { refreshMaterializedViews } from '../helpers/views.js';

// GET /api/statistics/source-overlaps and /summary on the hand-scored fixture (see gene-fixture.ts):
// scored genes PKD1 {ClinGen, GenCC, Literature, PanelApp}, PKD2 {ClinGen, GenCC}, UMOD {Literature};
// zero scores NPHS1 {Literature}, ZERO_1 {ClinGen}; NONE% has no evidence.

let db: TestDatabase;
let app: FastifyInstance;

beforeAll(async () => {
  db = await createTestDatabase();
  await insertFixture(db.pool);
  await refreshMaterializedViews(db.pool);
  app = await testApp(db.pool);
});
afterAll(async () => {
  await app.close();
  await db.drop();
});

const get = (url: string) => app.inject({ method: 'GET', url });

describe('GET /api/statistics/source-overlaps', () => {
  it('upstream UpSet payload over scored genes by default', async () => {
    const res = await get('/api/statistics/source-overlaps');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.data).toEqual({
      sets: [
        { name: 'ClinGen', size: 2 },
        { name: 'GenCC', size: 2 },
        { name: 'Literature', size: 2 },
        { name: 'PanelApp', size: 1 },
      ],
      intersections: [
        { sets: ['Literature'], size: 1 },
        { sets: ['ClinGen', 'GenCC'], size: 1 },
        { sets: ['ClinGen', 'GenCC', 'Literature', 'PanelApp'], size: 1 },
      ],
      total_unique_genes: 3,
      overlap_statistics: {
        highest_overlap_count: 4,
        genes_in_all_sources: 1,
        single_source_combinations: 1,
        total_combinations: 3,
      },
    });
    expect(body.meta).toMatchObject({
      visualization_type: 'upset_plot',
      hide_zero_scores: true,
      data_version: expect.stringMatching(/^\d{8}$/),
      query_duration_ms: expect.any(Number),
    });
  });

  it('detail=true lists the genes; zero scores shown on request', async () => {
    const body = (
      await get('/api/statistics/source-overlaps?filter[hide_zero_scores]=false&detail=true')
    ).json();
    expect(body.data.intersections).toEqual([
      { sets: ['Literature'], size: 2, genes: ['NPHS1', 'UMOD'] },
      { sets: ['ClinGen'], size: 1, genes: ['ZERO_1'] },
      { sets: ['ClinGen', 'GenCC'], size: 1, genes: ['PKD2'] },
      { sets: ['ClinGen', 'GenCC', 'Literature', 'PanelApp'], size: 1, genes: ['PKD1'] },
    ]);
    expect(body.meta.hide_zero_scores).toBe(false);
  });

  it('sources (repeated or comma list) restrict the sets; tiers filter the genes', async () => {
    const repeated = (await get('/api/statistics/source-overlaps?sources=GenCC&sources=ClinGen')).json();
    const comma = (await get('/api/statistics/source-overlaps?sources=ClinGen,GenCC')).json();
    expect(repeated.data).toEqual(comma.data);
    expect(repeated.data.intersections).toEqual([{ sets: ['ClinGen', 'GenCC'], size: 2 }]);
    const tier = (
      await get('/api/statistics/source-overlaps?filter[tier]=comprehensive_support&detail=true')
    ).json();
    expect(tier.data.intersections).toEqual([
      { sets: ['ClinGen', 'GenCC', 'Literature', 'PanelApp'], size: 1, genes: ['PKD1'] },
    ]);
  });

  it.each([
    [
      'sources=OMIM',
      'sources',
      "Unknown source(s) 'OMIM'. Allowed: PanelApp, HPO, PubTator, DiagnosticPanels, GenCC, ClinGen, Literature",
    ],
    [
      'filter[tier]=top',
      'filter[tier]',
      "Unknown tier(s) 'top'. Allowed: comprehensive_support, multi_source_support, established_support, preliminary_evidence, minimal_evidence",
    ],
    ['detail=maybe', 'detail', "'detail' must be boolean: expected true or false"],
    [
      'filter[search]=x',
      'filter[search]',
      "Unknown query parameter 'filter[search]'. Allowed: sources, filter[hide_zero_scores], filter[tier], detail",
    ],
  ])('%s → 400 naming %s', async (query, parameter, detail) => {
    const res = await get(`/api/statistics/source-overlaps?${query}`);
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'INVALID_PARAMETER', source: { parameter }, detail });
  });
});

describe('GET /api/statistics/summary', () => {
  it('upstream dashboard summary with real counts and the pairwise overlaps', async () => {
    const res = await get('/api/statistics/summary');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.data).toEqual({
      overview: { total_genes: 3, active_sources: 4, total_intersections: 3, genes_in_all_sources: 1 },
      quality: { avg_sources_per_gene: 2.33, total_evidence_records: 7, high_confidence_genes: 0 },
      coverage: { single_source_genes: 1, multi_source_genes: 2, source_distribution_variety: 4 },
      pair_overlaps: expect.any(Array),
    });
    expect(body.data.pair_overlaps).toHaveLength(6);
    expect(body.data.pair_overlaps[0]).toEqual({
      source1: 'ClinGen',
      source2: 'GenCC',
      overlap_count: 2,
      source1_total: 3,
      source2_total: 2,
      overlap_percentage: 66.67,
    });
    expect(body.meta.visualization_type).toBe('summary_dashboard');
  });

  it('takes no query parameters', async () => {
    const res = await get('/api/statistics/summary?x=1');
    expect(res.statusCode).toBe(400);
    expect(res.json().error.source.parameter).toBe('x');
  });
});
