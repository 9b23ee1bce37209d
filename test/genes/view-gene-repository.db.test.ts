import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import type { Queryable } from '../../src/db/pool.js';
import { toGeneListQuery } from '../../src/genes/gene-list-query.js';
import type { GeneRepository } from '../../src/genes/gene-repository.js';
import type { GeneRoutesOptions } from '../../src/genes/gene-routes.js';
import type { GeneService, GeneServiceDeps } from '../../src/genes/gene-service.js';
import { createLegacyGeneRepository } from '../../src/genes/legacy/legacy-gene-repository.js';
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
