import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemo } from '../../src/data/demo/seed-demo.js';
import type { GeneListQuery, GeneRepository } from '../../src/genes/gene-repository.js';
import { parseSort } from '../../src/genes/gene-sort.js';
import { createLegacyGeneRepository } from '../../src/genes/legacy/legacy-gene-repository.js';
import { createViewGeneRepository } from '../../src/genes/views/view-gene-repository.js';
import { testApp } from '../helpers/app.js';
import { insertGenes, refreshMaterializedViews } from '../helpers/views.js';
import { type ArmDatabases, armDatabases, servedArm } from './arm-databases.js';

// The legacy arm (upstream's SQL) and the views arm return identical response bodies,
// floats included, for every request of the matrix. Each arm serves from its own copy of the data, put in
// front by that copy's rollout flag; the views arm answers through the cache, as in production.

let dbs: ArmDatabases;
let legacyApp: FastifyInstance;
let viewsApp: FastifyInstance;
let legacy: GeneRepository;
let views: GeneRepository;

beforeAll(async () => {
  dbs = await armDatabases(async (pool) => {
    await seedDemo(pool, {
      genes: 2_000,
      evidence: 10_000,
      logs: 0,
      seed: 7,
      now: new Date('2025-06-01T00:00:00Z'),
    });
    // Symbols with LIKE metacharacters, a gene without evidence, and one whose only evidence scores 0.
    await insertGenes(pool, [
      {
        symbol: 'PCT%X1',
        evidence: { Literature: { publications: ['1', '2'] }, HPO: { hpo_terms: ['HP:1'] } },
      },
      { symbol: 'UND_X2', evidence: { ClinGen: { classifications: ['Moderate'] } } },
      { symbol: 'BSL\\X3', evidence: { GenCC: { classifications: ['Limited', 'Strong'] } } },
      { symbol: 'NOEVID1' },
      { symbol: 'ZEROSCORE1', evidence: { ClinGen: { classifications: ['Refuted Evidence'] } } },
    ]);
    await refreshMaterializedViews(pool);
  });
  // The repositories directly, on one copy (the rows are the same in both).
  legacy = createLegacyGeneRepository(dbs.views.pool);
  views = createViewGeneRepository(dbs.views.pool);
  legacyApp = await testApp(dbs.legacy.pool);
  viewsApp = await testApp(dbs.views.pool);
});
afterAll(async () => {
  await legacyApp?.close();
  await viewsApp?.close();
  await dbs?.drop();
});

const SORT_FIELDS = [
  'id',
  'symbol',
  'approved_symbol',
  'hgnc_id',
  'score',
  'evidence_score',
  'count',
  'evidence_count',
  'created_at',
  'updated_at',
  'evidence_tier',
  'evidence_group',
];

const MATRIX: string[] = [
  // defaults, trailing slash, pages
  '/api/genes',
  '/api/genes/',
  '/api/genes/?page[number]=2',
  '/api/genes/?page[number]=37&page[size]=50',
  '/api/genes/?page[number]=10000',
  '/api/genes/?page[size]=1',
  '/api/genes/?page[size]=100&page[number]=3',
  '/api/genes/?filter[hide_zero_scores]=false',
  '/api/genes/?filter[hide_zero_scores]=false&page[size]=100&page[number]=20',
  '/api/genes/?filter[hide_zero_scores]=false&sort=evidence_score&page[size]=10',
  // search
  '/api/genes/?filter[search]=pkd',
  '/api/genes/?filter[search]=PKD1',
  '/api/genes/?filter[search]=hgnc:9',
  '/api/genes/?filter[search]=comprehensive',
  '/api/genes/?filter[search]=emerging&sort=approved_symbol',
  '/api/genes/?filter[search]=ZNF9&page[number]=2&page[size]=7',
  '/api/genes/?filter[search]=%25',
  '/api/genes/?filter[search]=_',
  '/api/genes/?filter[search]=t%25x',
  '/api/genes/?filter[search]=d_x',
  '/api/genes/?filter[search]=%5C',
  '/api/genes/?filter[search]=nothing-matches-this',
  '/api/genes/?filter[search]=SUPPORT&filter[hide_zero_scores]=false&page[size]=100',
  '/api/genes/?filter[search]=%C3%A9',
  '/api/genes/?filter[search]=evidence&filter[hide_zero_scores]=false',
  // score, count, source, tier, group, ids
  '/api/genes/?filter[min_score]=50',
  '/api/genes/?filter[max_score]=10.5',
  '/api/genes/?filter[min_score]=20&filter[max_score]=40&sort=-score',
  '/api/genes/?filter[min_score]=0&filter[hide_zero_scores]=false',
  '/api/genes/?filter[min_count]=3',
  '/api/genes/?filter[max_count]=1&filter[hide_zero_scores]=false',
  '/api/genes/?filter[min_count]=2&filter[max_count]=4&sort=count',
  '/api/genes/?filter[source]=ClinGen',
  '/api/genes/?filter[source]=Literature&sort=-evidence_count',
  '/api/genes/?filter[source]=PubTator&filter[tier]=minimal_evidence',
  '/api/genes/?filter[tier]=comprehensive_support',
  '/api/genes/?filter[tier]=multi_source_support,established_support&sort=evidence_tier',
  '/api/genes/?filter[tier]=preliminary_evidence,minimal_evidence&page[number]=2',
  '/api/genes/?filter[group]=well_supported',
  '/api/genes/?filter[group]=emerging_evidence&sort=-evidence_group,symbol',
  '/api/genes/?filter[ids]=1,2,3,4,5,6,7,8,9,10,2001,2004,999999',
  '/api/genes/?filter[ids]=2004,2005&filter[hide_zero_scores]=false&sort=-id',
  '/api/genes/?filter[ids]=5,50,500&filter[search]=a&filter[min_score]=1',
  '/api/genes/?filter[group]=well_supported&filter[tier]=preliminary_evidence',
  // every sort field, both directions (and a multi-field sort)
  ...SORT_FIELDS.flatMap((f) => [
    `/api/genes/?sort=${f}&page[size]=25`,
    `/api/genes/?sort=-${f}&page[size]=25`,
  ]),
  '/api/genes/?sort=evidence_tier,-evidence_count,hgnc_id&filter[hide_zero_scores]=false&page[number]=3',
  '/api/genes/?sort=-updated_at,created_at&page[number]=5',
  '/api/genes/?sort=%2Bsymbol&page[number]=4',
  // detail and evidence
  '/api/genes/PKD1',
  '/api/genes/pkd1',
  '/api/genes/UND_X2',
  '/api/genes/NOEVID1',
  '/api/genes/ZEROSCORE1',
  '/api/genes/PKD2/evidence',
  '/api/genes/bsl%5Cx3/evidence',
  '/api/genes/NOEVID1/evidence',
  '/api/genes/ZEROSCORE1/evidence',
];

describe('legacy vs views: identical response bodies', () => {
  it('runs at least 50 requests', () => {
    expect(MATRIX.length).toBeGreaterThanOrEqual(50);
  });

  it.each(MATRIX)('%s', async (url) => {
    const [a, b] = await Promise.all([
      legacyApp.inject({ method: 'GET', url }),
      viewsApp.inject({ method: 'GET', url }),
    ]);
    expect(a.statusCode, a.body).toBe(200);
    expect(b.statusCode, b.body).toBe(200);
    expect([servedArm(a), servedArm(b)]).toEqual(['legacy', 'views']);
    expect(JSON.parse(b.body)).toEqual(JSON.parse(a.body));
    expect(b.body).toBe(a.body);
  });

  it('the matrix is not vacuous: pages have rows, searches find the LIKE metacharacters literally', async () => {
    const body = async (url: string) => (await viewsApp.inject({ method: 'GET', url })).json();
    expect((await body('/api/genes/')).data).toHaveLength(20);
    expect(
      (await body('/api/genes/?filter[search]=%25')).data.map(
        (g: { attributes: { approved_symbol: string } }) => g.attributes.approved_symbol,
      ),
    ).toEqual(['PCT%X1']);
    expect((await body('/api/genes/?filter[search]=d_x')).meta.total).toBe(1);
    expect((await body('/api/genes/?filter[search]=%5C')).meta.total).toBe(1);
    expect((await body('/api/genes/?filter[tier]=comprehensive_support')).meta.total).toBeGreaterThan(0);
    expect((await body('/api/genes/?page[number]=10000')).data).toEqual([]);
  });

  it('404s agree', async () => {
    for (const url of ['/api/genes/NOPE', '/api/genes/NOPE/evidence']) {
      const [a, b] = await Promise.all([
        legacyApp.inject({ method: 'GET', url }),
        viewsApp.inject({ method: 'GET', url }),
      ]);
      expect([a.statusCode, b.statusCode]).toEqual([404, 404]);
      expect([servedArm(a), servedArm(b)]).toEqual(['legacy', 'views']);
      expect(a.json().error.code).toBe('GENE_NOT_FOUND');
      expect(b.json().error.code).toBe('GENE_NOT_FOUND');
    }
  });
});

describe('legacy vs views: the repositories directly (beyond the route limits)', () => {
  const query = (over: Partial<GeneListQuery>): GeneListQuery => ({
    page: 1,
    size: 1000,
    filters: { hideZeroScores: true },
    sort: parseSort(undefined),
    ...over,
  });
  it.each([
    ['1000 rows, default sort', query({})],
    ['1000 rows, page 2, all genes', query({ page: 2, filters: { hideZeroScores: false } })],
    ['every gene by id', query({ size: 5000, sort: parseSort('id'), filters: { hideZeroScores: false } })],
    ['1000 rows by tier', query({ sort: parseSort('-evidence_tier,score') })],
  ])('%s', async (_name, q) => {
    const [a, b] = await Promise.all([legacy.list(q), views.list(q)]);
    expect(b).toEqual(a);
    expect(a.rows.length).toBeGreaterThan(0);
  });
});
