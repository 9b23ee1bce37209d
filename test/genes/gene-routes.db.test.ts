import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp } from '../helpers/app.js';
import { refreshMaterializedViews } from '../helpers/views.js';
import { ARMS, type Arm, type ArmDatabases, armDatabases, servedArm } from './arm-databases.js';
import { insertFixture, PKD2_PERCENT } from './gene-fixture.js';

// GET /api/genes/, /api/genes/{symbol}, /api/genes/{symbol}/evidence: the contract (docs/api.md, "Genes"), for
// both arms. Each arm has its own copy of the fixture and the production app on it; the rollout flag of that
// copy puts the arm in front (the views arm answering through the cache, as in production).

let dbs: ArmDatabases;
let ids: Map<string, number>;
const apps = new Map<Arm, FastifyInstance>();

beforeAll(async () => {
  dbs = await armDatabases(async (pool) => {
    ids = await insertFixture(pool);
    await refreshMaterializedViews(pool);
  });
  for (const arm of ARMS) apps.set(arm, await testApp(dbs[arm].pool));
});
afterAll(async () => {
  for (const app of apps.values()) await app.close();
  await dbs?.drop();
});

const id = (symbol: string) => String(ids.get(symbol));
const timestamps = {
  created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/),
  updated_at: expect.any(String),
};
/** PKD2 as the list shows it (the detail adds its score breakdown). */
const PKD2_LIST_ATTRIBUTES = {
  hgnc_id: 'HGNC:9009',
  approved_symbol: 'PKD2',
  aliases: [],
  ...timestamps,
  evidence_count: 2,
  evidence_score: PKD2_PERCENT,
  evidence_tier: 'established_support',
  evidence_group: 'well_supported',
  sources: ['ClinGen', 'GenCC'],
};

describe.each(ARMS)('%s arm', (arm) => {
  const get = async (url: string) => {
    const app = apps.get(arm);
    if (!app) throw new Error(`no app for the ${arm} arm`);
    return app.inject({ method: 'GET', url });
  };

  it('the rollout flag puts this arm in front for list, detail and evidence', async () => {
    for (const url of ['/api/genes/', '/api/genes/PKD1', '/api/genes/PKD1/evidence', '/api/genes/NOPE']) {
      expect(servedArm(await get(url)), url).toBe(arm);
    }
  });

  it('default list = scored genes by score, JSON:API shape with meta and links', async () => {
    const res = await get('/api/genes/');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      data: [
        {
          type: 'genes',
          id: id('PKD1'),
          attributes: {
            hgnc_id: 'HGNC:9008',
            approved_symbol: 'PKD1',
            aliases: ['PBP'],
            ...timestamps,
            evidence_count: 4,
            evidence_score: 75,
            evidence_tier: 'comprehensive_support',
            evidence_group: 'well_supported',
            sources: ['ClinGen', 'GenCC', 'Literature', 'PanelApp'],
          },
        },
        {
          type: 'genes',
          id: id('PKD2'),
          attributes: PKD2_LIST_ATTRIBUTES,
        },
        {
          type: 'genes',
          id: id('UMOD'),
          attributes: {
            hgnc_id: 'HGNC:12559',
            approved_symbol: 'UMOD',
            aliases: [],
            ...timestamps,
            evidence_count: 1,
            evidence_score: 12.5,
            evidence_tier: 'preliminary_evidence',
            evidence_group: 'emerging_evidence',
            sources: ['Literature'],
          },
        },
      ],
      meta: {
        total: 3,
        page: 1,
        per_page: 20,
        page_count: 1,
        filters: {
          evidence_score: { min: 0, max: 100 },
          evidence_count: { min: 0, max: 4 },
          available_sources: ['ClinGen', 'GenCC', 'Literature', 'PanelApp'],
        },
        evidence_tiers: {
          well_supported: { comprehensive_support: 1, established_support: 1, total: 2 },
          emerging_evidence: { preliminary_evidence: 1, total: 1 },
        },
        valid_tiers: [
          'comprehensive_support',
          'multi_source_support',
          'established_support',
          'preliminary_evidence',
          'minimal_evidence',
        ],
        valid_groups: ['well_supported', 'emerging_evidence'],
        total_genes: 6,
        hidden_zero_scores: 3,
      },
      links: {
        self: '/api/genes/?page[number]=1&page[size]=20',
        first: '/api/genes/?page[number]=1&page[size]=20',
        last: '/api/genes/?page[number]=1&page[size]=20',
        prev: null,
        next: null,
      },
    });
  });

  it('serves /api/genes without the trailing slash alike', async () => {
    const [a, b] = await Promise.all([get('/api/genes'), get('/api/genes/')]);
    expect(a.statusCode).toBe(200);
    expect(a.json().data).toEqual(b.json().data);
    expect(a.json().links.self).toBe('/api/genes?page[number]=1&page[size]=20');
  });

  it('filter[hide_zero_scores]=false: every gene, null score last, zero scores by symbol', async () => {
    const body = (await get('/api/genes/?filter[hide_zero_scores]=false')).json();
    expect(
      body.data.map((g: { attributes: { approved_symbol: string } }) => g.attributes.approved_symbol),
    ).toEqual(['PKD1', 'PKD2', 'UMOD', 'NPHS1', 'ZERO_1', 'NONE%']);
    expect(body.data[5].attributes).toMatchObject({
      evidence_count: 0,
      evidence_score: null,
      evidence_tier: null,
      evidence_group: null,
      sources: [],
    });
    expect(body.data[3].attributes).toMatchObject({
      evidence_score: 0,
      evidence_tier: 'no_evidence',
      evidence_group: 'insufficient',
    });
    expect(body.meta).toMatchObject({ total: 6, total_genes: 6, hidden_zero_scores: 0 });
  });

  it.each([
    ['pkd', ['PKD1', 'PKD2']],
    ['hgnc:900', ['PKD1', 'PKD2']],
    ['COMPREHENSIVE', ['PKD1']],
    ['emerging', ['UMOD']],
    ['%', []],
    // Every tier name has an underscore, so a literal _ matches every scored gene through its tier.
    ['_', ['PKD1', 'PKD2', 'UMOD']],
  ])('filter[search]=%s matches symbol, HGNC id, tier or group literally', async (term, symbols) => {
    const body = (await get(`/api/genes/?filter[search]=${encodeURIComponent(term)}`)).json();
    expect(
      body.data.map((g: { attributes: { approved_symbol: string } }) => g.attributes.approved_symbol),
    ).toEqual(symbols);
  });

  it('% and _ are literal also among zero-score genes', async () => {
    const names = async (term: string) =>
      (await get(`/api/genes/?filter[hide_zero_scores]=false&filter[search]=${encodeURIComponent(term)}`))
        .json()
        .data.map((g: { attributes: { approved_symbol: string } }) => g.attributes.approved_symbol);
    expect(await names('%')).toEqual(['NONE%']);
    expect(await names('o_1')).toEqual(['ZERO_1']);
    expect(await names('ON_')).toEqual([]);
  });

  it.each([
    ['filter[min_score]=40', ['PKD1', 'PKD2']],
    ['filter[max_score]=45&filter[min_score]=12.5', ['PKD2', 'UMOD']],
    ['filter[min_count]=2&filter[max_count]=3', ['PKD2']],
    ['filter[source]=Literature', ['PKD1', 'UMOD']],
    ['filter[tier]=established_support,preliminary_evidence', ['PKD2', 'UMOD']],
    ['filter[group]=well_supported', ['PKD1', 'PKD2']],
    ['filter[ids]=IDS', ['PKD2', 'UMOD']],
    ['sort=approved_symbol', ['PKD1', 'PKD2', 'UMOD']],
    ['sort=-evidence_tier', ['UMOD', 'PKD2', 'PKD1']],
    ['sort=count', ['UMOD', 'PKD2', 'PKD1']],
    ['sort=-id', ['UMOD', 'PKD2', 'PKD1']],
    ['page[size]=2&page[number]=2', ['UMOD']],
    ['page[number]=9', []],
  ])('%s', async (query, symbols) => {
    const q = query.replace('IDS', `${ids.get('PKD2')},${ids.get('UMOD')},${ids.get('NONE%')}`);
    const res = await get(`/api/genes/?${q}`);
    expect(res.statusCode, res.body).toBe(200);
    expect(
      res.json().data.map((g: { attributes: { approved_symbol: string } }) => g.attributes.approved_symbol),
    ).toEqual(symbols);
  });

  it('links keep the filters and sort of the request', async () => {
    const body = (await get('/api/genes/?filter[group]=well_supported&page[size]=1&sort=-score')).json();
    expect(body.meta).toMatchObject({ total: 2, page_count: 2 });
    expect(body.links).toEqual({
      self: '/api/genes/?page[number]=1&page[size]=1&filter[group]=well_supported&sort=-score',
      first: '/api/genes/?page[number]=1&page[size]=1&filter[group]=well_supported&sort=-score',
      last: '/api/genes/?page[number]=2&page[size]=1&filter[group]=well_supported&sort=-score',
      prev: null,
      next: '/api/genes/?page[number]=2&page[size]=1&filter[group]=well_supported&sort=-score',
    });
  });

  it('one gene by symbol, case-insensitive, with its score breakdown', async () => {
    const res = await get('/api/genes/pkd2');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      data: {
        type: 'genes',
        id: id('PKD2'),
        attributes: {
          ...PKD2_LIST_ATTRIBUTES,
          score_breakdown: { ClinGen: 1, GenCC: 0.8 },
          source_scores: { ClinGen: 1, GenCC: 0.8 },
        },
      },
    });
  });

  it('a gene without evidence: null score, empty maps', async () => {
    const body = (await get('/api/genes/none%25')).json();
    expect(body.data.attributes).toMatchObject({
      approved_symbol: 'NONE%',
      evidence_score: null,
      evidence_count: 0,
      score_breakdown: {},
      source_scores: {},
    });
  });

  it("a gene's evidence with normalized scores rounded to 4", async () => {
    const res = await get('/api/genes/PKD1/evidence');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.meta).toEqual({ gene_symbol: 'PKD1', gene_id: ids.get('PKD1'), evidence_count: 4 });
    expect(
      body.data.map((e: { attributes: { source_name: string; normalized_score: number } }) => [
        e.attributes.source_name,
        e.attributes.normalized_score,
      ]),
    ).toEqual([
      ['ClinGen', 1],
      ['GenCC', 1],
      ['Literature', 1],
      ['PanelApp', 0],
    ]);
    expect(body.data[2]).toEqual({
      type: 'evidence',
      id: expect.stringMatching(/^\d+$/),
      attributes: {
        source_name: 'Literature',
        source_detail: null,
        evidence_data: { publications: ['1', '2', '3'] },
        evidence_date: null,
        created_at: expect.any(String),
        normalized_score: 1,
      },
      relationships: { gene: { data: { type: 'genes', id: id('PKD1') } } },
    });
    const none = (await get('/api/genes/NONE%25/evidence')).json();
    expect(none).toEqual({
      data: [],
      meta: { gene_symbol: 'NONE%', gene_id: ids.get('NONE%'), evidence_count: 0 },
    });
  });

  it.each(['/api/genes/NOPE', '/api/genes/NOPE/evidence'])(
    '404 GENE_NOT_FOUND in the envelope: %s',
    async (url) => {
      const res = await get(url);
      expect(res.statusCode).toBe(404);
      expect(res.json().error).toMatchObject({
        status: 404,
        code: 'GENE_NOT_FOUND',
        detail: "Gene 'NOPE' not found",
        source: { parameter: 'gene_symbol' },
        meta: { path: url, method: 'GET' },
      });
    },
  );
});
