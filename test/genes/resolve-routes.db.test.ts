import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Queryable, withClient } from '../../src/db/pool.js';
import { asciiUpper, MAX_BULK_QUERIES, MAX_QUERY_LENGTH } from '../../src/genes/resolve/resolve-query.js';
import { createResolveRepository } from '../../src/genes/resolve/resolve-repository.js';
import { testApp } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { refreshMaterializedViews } from '../helpers/views.js';
import { insertFixture, PKD2_PERCENT } from './gene-fixture.js';

// GET and POST /api/genes/resolve on the scored fixture (gene-fixture.ts) with identifiers added:
//   PKD1   HGNC:9008  ENSG00000008710  NCBI 5310  aliases PBP, SHARED
//   PKD2   HGNC:9009  ENSG00000118762  NCBI 5311  previous APKD2, aliases PKD4
//   PKD4   HGNC:99001 (approved PKD4: PKD2's alias too)
//   UMOD   HGNC:12559 NCBI 9008 (collides with PKD1's HGNC number), alias SHARED
//   OLD1   a closed version (valid_to in the past): never resolved

let db: TestDatabase;
let app: FastifyInstance;
let ids: Map<string, number>;

beforeAll(async () => {
  db = await createTestDatabase();
  ids = await insertFixture(db.pool);
  await db.pool.query(
    `update genes g set ensembl_gene_id = v.ensembl, ncbi_gene_id = v.ncbi, previous_symbols = v.previous,
            aliases = v.aliases
       from (values ('PKD1', 'ENSG00000008710', '5310', '{}'::text[], '{PBP,SHARED}'::text[]),
                    ('PKD2', 'ENSG00000118762', '5311', '{APKD2}', '{PKD4}'),
                    ('UMOD', null, '9008', '{}', '{SHARED}')) as v(symbol, ensembl, ncbi, previous, aliases)
      where g.approved_symbol = v.symbol`,
  );
  const added = await db.pool.query<{ id: number; approved_symbol: string }>(
    `insert into genes (hgnc_id, approved_symbol, valid_to)
     values ('HGNC:99001', 'PKD4', 'infinity'), ('HGNC:99002', 'OLD1', now() - interval '1 day')
     returning id, approved_symbol`,
  );
  for (const row of added.rows) ids.set(row.approved_symbol, row.id);
  await refreshMaterializedViews(db.pool);
  app = await testApp(db.pool);
});
afterAll(async () => {
  await app.close();
  await db.drop();
});

const resolve = (query: string) => app.inject({ method: 'GET', url: '/api/genes/resolve', query: { query } });
const bulk = (payload: Record<string, unknown>) =>
  app.inject({ method: 'POST', url: '/api/genes/resolve', payload });
const idOf = (symbol: string) => {
  const id = ids.get(symbol);
  if (id === undefined) throw new Error(`fixture has no ${symbol}`);
  return id;
};

describe('GET /api/genes/resolve: one gene', () => {
  it.each([
    ['PKD2', 'approved_symbol'],
    ['pkd2', 'approved_symbol'],
    ['HGNC:9009', 'hgnc_id'],
    ['hgnc:9009', 'hgnc_id'],
    ['9009', 'hgnc_id'],
    ['ENSG00000118762', 'ensembl_gene_id'],
    ['ensg00000118762.14', 'ensembl_gene_id'],
    ['5311', 'ncbi_gene_id'],
    ['apkd2', 'previous_symbol'],
    [' APKD2 ', 'previous_symbol'],
  ])('%s → PKD2 by %s', async (query, matchedBy) => {
    const res = await resolve(query);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      data: {
        type: 'genes',
        id: String(idOf('PKD2')),
        attributes: {
          hgnc_id: 'HGNC:9009',
          approved_symbol: 'PKD2',
          aliases: ['PKD4'],
          previous_symbols: ['APKD2'],
          ensembl_gene_id: 'ENSG00000118762',
          ncbi_gene_id: '5311',
          evidence_score: PKD2_PERCENT,
          evidence_tier: 'established_support',
          matched_by: matchedBy,
        },
      },
      meta: { query, ambiguous: false },
    });
  });

  it('an alias', async () => {
    const res = await resolve('pbp');
    expect(res.statusCode).toBe(200);
    expect(res.json().data).toMatchObject({ id: String(idOf('PKD1')), attributes: { matched_by: 'alias' } });
  });

  it('a gene without evidence has a null score and tier', async () => {
    const res = await resolve('NONE%');
    expect(res.statusCode).toBe(200);
    expect(res.json().data.attributes).toMatchObject({ evidence_score: null, evidence_tier: null });
  });
});

describe('GET /api/genes/resolve: several genes', () => {
  const candidates = async (query: string) => {
    const res = await resolve(query);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.meta).toEqual({ query, ambiguous: true });
    return body.data.map((d: { id: string; attributes: { matched_by: string } }) => [
      Number(d.id),
      d.attributes.matched_by,
    ]);
  };

  it("one gene's approved symbol and another's alias: the approved symbol first", async () => {
    expect(await candidates('Pkd4')).toEqual([
      [idOf('PKD4'), 'approved_symbol'],
      [idOf('PKD2'), 'alias'],
    ]);
  });

  it('a number that is one HGNC id and another NCBI id: the HGNC id first', async () => {
    expect(await candidates('9008')).toEqual([
      [idOf('PKD1'), 'hgnc_id'],
      [idOf('UMOD'), 'ncbi_gene_id'],
    ]);
  });

  it('an alias of two genes: by gene id', async () => {
    expect(await candidates('shared')).toEqual(
      [idOf('PKD1'), idOf('UMOD')].sort((a, b) => a - b).map((id) => [id, 'alias']),
    );
  });
});

describe('GET /api/genes/resolve: errors', () => {
  it.each(['NOPE1', 'OLD1', 'HGNC:424242', 'ENSG00000000001'])('%s → 404 naming the query', async (query) => {
    const res = await resolve(query);
    expect(res.statusCode).toBe(404);
    expect(res.json().error).toMatchObject({
      code: 'GENE_NOT_FOUND',
      source: { parameter: 'query' },
      detail: expect.stringContaining(`'${query}'`),
    });
  });

  it.each([
    ['blank', { query: '   ' }],
    ['empty', { query: '' }],
    ['missing', {}],
    ['too long', { query: 'X'.repeat(101) }],
    ['NUL', { query: 'PKD\u00001' }],
  ])('%s query → 400 naming query', async (_, query) => {
    const res = await app.inject({ method: 'GET', url: '/api/genes/resolve', query });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'INVALID_PARAMETER', source: { parameter: 'query' } });
  });

  it('an unknown query parameter → 400 naming it', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/genes/resolve?query=PKD1&symbol=PKD1' });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ source: { parameter: 'symbol' } });
  });

  it('a gene named like the route is still reached by symbol elsewhere: /api/genes/PKD1 is untouched', async () => {
    expect((await app.inject({ method: 'GET', url: '/api/genes/PKD1' })).statusCode).toBe(200);
  });
});

describe('POST /api/genes/resolve', () => {
  it('answers each query in order, with ids for filter[ids], and lists the unresolved', async () => {
    const res = await bulk({ queries: ['pkd2', 'NOPE1', 'PKD4', 'HGNC:9008', 'NOPE1', 'ENSG00000008710'] });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(
      body.data.map((d: { query: string; status: string; id: number | null }) => [d.query, d.status, d.id]),
    ).toEqual([
      ['pkd2', 'resolved', idOf('PKD2')],
      ['NOPE1', 'unresolved', null],
      ['PKD4', 'ambiguous', null],
      ['HGNC:9008', 'resolved', idOf('PKD1')],
      ['NOPE1', 'unresolved', null],
      ['ENSG00000008710', 'resolved', idOf('PKD1')],
    ]);
    expect(body.data[2].candidates).toEqual([
      { id: idOf('PKD4'), hgnc_id: 'HGNC:99001', approved_symbol: 'PKD4', matched_by: 'approved_symbol' },
      { id: idOf('PKD2'), hgnc_id: 'HGNC:9009', approved_symbol: 'PKD2', matched_by: 'alias' },
    ]);
    expect(body.data[1].candidates).toEqual([]);
    expect(body.meta).toEqual({ total: 6, resolved: 3, ambiguous: 1, unresolved: ['NOPE1', 'NOPE1'] });

    const list = await app.inject({
      method: 'GET',
      url: `/api/genes/?filter[ids]=${idOf('PKD2')},${idOf('PKD1')}&filter[hide_zero_scores]=false`,
    });
    expect(
      list
        .json()
        .data.map((g: { attributes: { approved_symbol: string } }) => g.attributes.approved_symbol)
        .sort(),
    ).toEqual(['PKD1', 'PKD2']);
  });

  it(`takes ${MAX_BULK_QUERIES} queries`, async () => {
    const queries = Array.from({ length: MAX_BULK_QUERIES }, (_, i) => (i % 2 ? 'PKD1' : `NOPE${i}`));
    const res = await bulk({ queries });
    expect(res.statusCode).toBe(200);
    expect(res.json().meta).toMatchObject({ total: MAX_BULK_QUERIES, resolved: MAX_BULK_QUERIES / 2 });
  });

  it(`takes ${MAX_BULK_QUERIES} queries of the longest length, every character escaped (not a 413)`, async () => {
    // Each é written as the six characters \u00e9: 5,000 × 100 of them is about 3 MB of valid JSON.
    const longest = `"${'\\u00e9'.repeat(MAX_QUERY_LENGTH)}"`;
    const payload = `{"queries": [${Array.from({ length: MAX_BULK_QUERIES }, () => longest).join(',')}]}`;
    expect(payload.length).toBeGreaterThan(1024 * 1024);
    const res = await app.inject({
      method: 'POST',
      url: '/api/genes/resolve',
      headers: { 'content-type': 'application/json' },
      payload,
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().meta).toMatchObject({ total: MAX_BULK_QUERIES, resolved: 0 });
  });

  it(`refuses ${MAX_BULK_QUERIES + 1} queries, naming queries and the limit`, async () => {
    const res = await bulk({ queries: Array.from({ length: MAX_BULK_QUERIES + 1 }, () => 'PKD1') });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({
      code: 'INVALID_PARAMETER',
      source: { parameter: 'queries' },
      detail: expect.stringContaining(String(MAX_BULK_QUERIES)),
    });
  });

  it.each([
    ['no queries', { queries: [] }, 'queries'],
    ['no body field', {}, 'queries'],
    ['an object item', { queries: ['PKD1', { symbol: 'PKD2' }] }, 'queries[1]'],
    ['an empty item', { queries: ['PKD1', ''] }, 'queries[1]'],
    ['a blank item', { queries: ['PKD1', 'PKD2', '  '] }, 'queries[2]'],
    ['an over-long item', { queries: ['X'.repeat(101)] }, 'queries[0]'],
    ['an unknown field', { queries: ['PKD1'], limit: 3 }, 'limit'],
  ])('%s → 400 naming %s', async (_, payload, parameter) => {
    const res = await bulk(payload);
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'INVALID_PARAMETER', source: { parameter } });
  });
});

describe('the lookup is an index probe', () => {
  it("the repository's statement uses genes_lookup_keys_idx", async () => {
    const plan = await withClient(db.pool, async (client) => {
      // The fixture is a few rows, where a sequential scan is cheaper: ask whether the index can serve at all.
      await client.query('set enable_seqscan = off');
      const explained: string[] = [];
      const explaining: Queryable = {
        query: async (sql: string, values: unknown[]) => {
          const { rows } = await client.query<{ 'QUERY PLAN': string }>(`explain ${sql}`, values);
          explained.push(...rows.map((r) => r['QUERY PLAN']));
          return { rows: [] };
        },
      } as unknown as Queryable;
      await createResolveRepository(explaining).findByKeys(['PKD1', 'HGNC:9008']);
      await client.query('reset enable_seqscan');
      return explained.join('\n');
    });
    expect(plan).toContain('genes_lookup_keys_idx');
  });
});

describe('the index keys and the query keys fold case alike', () => {
  it('ASCII letters only, whatever the locale: the SQL function agrees with asciiUpper', async () => {
    const names = ['Pkd1', 'straße', 'É-gene', 'ensg00000118762', 'hgnc:9008'];
    const { rows } = await db.pool.query<{ keys: string[] }>(
      `select kgdb_gene_lookup_keys($1, null, null, null, '{}', $2::text[]) as keys`,
      [names[0], names.slice(1)],
    );
    expect(rows[0]?.keys).toEqual(names.map(asciiUpper));
    expect(rows[0]?.keys).toEqual(['PKD1', 'STRAßE', 'É-GENE', 'ENSG00000118762', 'HGNC:9008']);
  });
});
