import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import type { Queryable } from '../../src/db/pool.js';
import { toGeneListQuery } from '../../src/genes/gene-list-query.js';
import type { GeneRepository } from '../../src/genes/gene-repository.js';
import type { GeneRoutesOptions } from '../../src/genes/gene-routes.js';
import type { GeneListQuerystring } from '../../src/genes/gene-schemas.js';
import type { GeneService, GeneServiceDeps } from '../../src/genes/gene-service.js';
import { SORTABLE_FIELDS } from '../../src/genes/gene-sort.js';
import { createLegacyGeneRepository } from '../../src/genes/legacy/legacy-gene-repository.js';
import { whereClause } from '../../src/genes/views/gene-list-sql.js';
import { createViewGeneRepository, viewListSql } from '../../src/genes/views/view-gene-repository.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { refreshMaterializedViews } from '../helpers/views.js';

// The default first page must follow an index in sort order. This pins the SQL the view repository
// actually sends (not a hand-copied query) to gene_scores_score_order_idx.

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
  await db.pool.query(`
    insert into genes (approved_symbol, hgnc_id)
    select upper(substr(md5(i::text), 1, 6)), 'HGNC:' || i from generate_series(1, 5000) i;
    insert into gene_evidence (gene_id, source_name, evidence_data)
    select g.id, 'PubTator', jsonb_build_object('publication_count', g.id % 97) from genes g where g.id % 5 <> 0;
    insert into gene_evidence (gene_id, source_name, evidence_data)
    select g.id, 'ClinGen', '{"classifications": ["Strong"]}' from genes g where g.id % 3 = 0;`);
  await refreshMaterializedViews(db.pool);
  await db.pool.query('analyze genes; analyze gene_evidence; analyze gene_scores');
});
afterAll(async () => {
  await db.drop();
});

async function planNodes(text: string, values: unknown[]): Promise<Array<Record<string, unknown>>> {
  const { rows } = await db.pool.query(`explain (analyze, format json) ${text}`, values);
  const out: Array<Record<string, unknown>> = [];
  const walk = (node: Record<string, unknown>) => {
    out.push(node);
    for (const child of (node.Plans as Array<Record<string, unknown>> | undefined) ?? []) walk(child);
  };
  walk(rows[0]['QUERY PLAN'][0].Plan);
  return out;
}

/** Sorts other than the final re-ordering of the ≤ 20 page rows by `ord`. */
const realSorts = (nodes: Array<Record<string, unknown>>) =>
  nodes.filter(
    (n) =>
      n['Node Type'] === 'Sort' &&
      !String((n['Sort Key'] as string[] | undefined)?.[0]).startsWith('(row_number() OVER (?))'),
  );

describe('view repository plans', () => {
  it('the default first page reads ~20 entries of gene_scores_score_order_idx and sorts nothing', async () => {
    const { text, values } = viewListSql(toGeneListQuery({}));
    const nodes = await planNodes(text, values);
    const scans = nodes.filter((n) =>
      /^(Seq|Index|Index Only|Bitmap Heap) Scan$/.test(String(n['Node Type'])),
    );
    const index = scans.find((n) => n['Index Name']);
    expect(scans.map((n) => `${n['Node Type']} ${n['Index Name'] ?? n['Relation Name']}`).sort()).toEqual([
      'Index Scan gene_scores_score_order_idx',
      'Seq Scan gene_list_stats',
    ]);
    expect(realSorts(nodes)).toEqual([]);
    expect(index?.['Actual Rows']).toBeLessThanOrEqual(21);
  });

  it('sorting by symbol follows gene_scores_symbol_order_idx', async () => {
    const { text, values } = viewListSql(toGeneListQuery({ sort: 'symbol' }));
    const nodes = await planNodes(text, values);
    expect(nodes.filter((n) => n['Index Name']).map((n) => n['Index Name'])).toEqual([
      'gene_scores_symbol_order_idx',
    ]);
    expect(realSorts(nodes)).toEqual([]);
  });
});

/** Rows read from gene_scores by every scan node of the plan (an index walk in order reads about a page). */
const geneScoresRowsRead = (nodes: Array<Record<string, unknown>>) =>
  nodes
    .filter((n) => n['Relation Name'] === 'gene_scores' && /Scan$/.test(String(n['Node Type'])))
    .reduce((sum, n) => sum + Number(n['Actual Rows']) * Number(n['Actual Loops'] ?? 1), 0);

describe('every sort and every single filter at index speed', () => {
  const sorts = SORTABLE_FIELDS.flatMap((field) => [field, `-${field}`]);

  it.each(sorts)('sort=%s walks an index: about one page of gene_scores read, no full sort', async (sort) => {
    const { text, values } = viewListSql(toGeneListQuery({ sort }));
    const nodes = await planNodes(text, values);
    expect(geneScoresRowsRead(nodes)).toBeLessThanOrEqual(100);
    expect(
      nodes.filter((n) => n['Node Type'] === 'Seq Scan' && n['Relation Name'] === 'gene_scores'),
    ).toEqual([]);
  });

  const singleFilters: Record<string, string>[] = [
    {},
    { 'filter[hide_zero_scores]': 'false' },
    { 'filter[min_score]': '10' },
    { 'filter[max_score]': '10', 'filter[hide_zero_scores]': 'false' },
    { 'filter[min_count]': '2' },
    { 'filter[max_count]': '1', 'filter[hide_zero_scores]': 'false' },
    { 'filter[tier]': 'minimal_evidence' },
    { 'filter[group]': 'emerging_evidence' },
    { 'filter[source]': 'ClinGen' },
  ];
  it.each(singleFilters)('%o: the total is looked up, not counted', async (filter) => {
    const { text } = viewListSql(toGeneListQuery(filter));
    expect(text).not.toContain('count(*)');
  });

  it('runs as a prepared statement unless a count bound or a search term decides the plan', () => {
    const prepared = (q: Record<string, string>) => viewListSql(toGeneListQuery(q)).prepared;
    expect(prepared({})).toBe(true);
    expect(prepared({ sort: '-hgnc_id', 'filter[min_score]': '5', 'filter[tier]': 'minimal_evidence' })).toBe(
      true,
    );
    expect(prepared({ 'filter[max_count]': '3' })).toBe(false);
    expect(prepared({ 'filter[min_count]': '3' })).toBe(false);
    expect(prepared({ 'filter[search]': 'pk' })).toBe(false);
  });
});

describe('precomputed totals', () => {
  // Bounds on, between and beyond the stored values, both ways of hiding zero scores, and the set filters.
  // Numbers as the route's schema hands them over (coerced from the query string).
  const cases: Record<string, string | number>[] = [];
  for (const hide of ['true', 'false']) {
    const h = { 'filter[hide_zero_scores]': hide };
    cases.push(h);
    for (const score of [0, 12.5, 25, 37.5, 50, 51, 100]) {
      cases.push({ ...h, 'filter[min_score]': score }, { ...h, 'filter[max_score]': score });
      cases.push({ ...h, 'filter[min_score]': score, 'filter[max_score]': 100 });
    }
    for (const count of [0, 0.5, 1, 1.5, 2, 3]) {
      cases.push({ ...h, 'filter[min_count]': count }, { ...h, 'filter[max_count]': count });
      cases.push({ ...h, 'filter[min_count]': count, 'filter[max_count]': 3 });
    }
    for (const tier of ['minimal_evidence', 'established_support', 'comprehensive_support'])
      cases.push({ ...h, 'filter[tier]': tier });
    cases.push({ ...h, 'filter[tier]': 'minimal_evidence,established_support' });
    for (const group of ['emerging_evidence', 'well_supported']) cases.push({ ...h, 'filter[group]': group });
    for (const source of ['ClinGen', 'PubTator', 'HPO']) cases.push({ ...h, 'filter[source]': source });
  }

  it('equal a count of the matching rows of gene_list_detailed, for every bound and set filter', async () => {
    const seen = new Set<number>();
    for (const filter of cases) {
      const query = toGeneListQuery(filter as GeneListQuerystring);
      const { text, values } = viewListSql(query);
      expect(text, JSON.stringify(filter)).not.toContain('count(*)');
      const served = (await db.pool.query<{ total: number }>(text, values)).rows[0]?.total;
      const where: unknown[] = [];
      const counted = await db.pool.query<{ n: number }>(
        `select count(*)::int as n from gene_list_detailed where ${whereClause(query.filters, where)}`,
        where,
      );
      expect(served, JSON.stringify(filter)).toBe(counted.rows[0]?.n);
      seen.add(served as number);
    }
    // The cases are not all trivially equal (every total 0, or every total all genes).
    expect(seen.size).toBeGreaterThan(10);
  });
});

describe('types', () => {
  it('both factories build the one GeneRepository the gene service takes for either arm', () => {
    expectTypeOf(createLegacyGeneRepository).parameter(0).toEqualTypeOf<Queryable>();
    expectTypeOf(createLegacyGeneRepository).returns.toEqualTypeOf<GeneRepository>();
    expectTypeOf(createViewGeneRepository).returns.toEqualTypeOf<GeneRepository>();
    expectTypeOf<GeneServiceDeps['legacy']>().toEqualTypeOf<GeneRepository>();
    expectTypeOf<GeneServiceDeps['views']>().toEqualTypeOf<GeneRepository>();
    // The routes see neither repository: they call the service, which picks the arm per caller.
    expectTypeOf<GeneRoutesOptions['genes']>().toEqualTypeOf<GeneService>();
  });
});
