import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { refreshMaterializedViews } from '../helpers/views.js';

// Every bad value is a 400 in the error envelope naming the parameter and what it accepts (docs/api.md, "Validation");
// nothing is silently ignored or capped.

let db: TestDatabase;
let app: FastifyInstance;

beforeAll(async () => {
  db = await createTestDatabase();
  await refreshMaterializedViews(db.pool);
  app = await testApp(db.pool);
});
afterAll(async () => {
  await app.close();
  await db.drop();
});

async function problem(url: string) {
  const res = await app.inject({ method: 'GET', url });
  const { error } = res.json();
  expect(error.meta).toMatchObject({ path: url.split('?')[0], method: 'GET' });
  expect(error.meta.error_id).toEqual(expect.any(String));
  return {
    status: res.statusCode,
    code: error.code,
    parameter: error.source.parameter,
    detail: error.detail,
  };
}

describe('GET /api/genes/ validation', () => {
  it('unknown query parameter: names it and lists the accepted keys', async () => {
    expect(await problem('/api/genes/?page=2')).toMatchInlineSnapshot(`
      {
        "code": "INVALID_PARAMETER",
        "detail": "Unknown query parameter 'page'. Allowed: page[number], page[size], filter[search], filter[min_score], filter[max_score], filter[min_count], filter[max_count], filter[source], filter[hide_zero_scores], filter[tier], filter[group], filter[ids], sort",
        "parameter": "page",
        "status": 400,
      }
    `);
  });

  it('page[size] above 100 is a 400, never capped', async () => {
    expect(await problem('/api/genes/?page[size]=101')).toMatchInlineSnapshot(`
      {
        "code": "INVALID_PARAMETER",
        "detail": "'page[size]' must be <= 100: expected a whole number 1..100",
        "parameter": "page[size]",
        "status": 400,
      }
    `);
  });

  it.each([
    ['page[size]=0', 'page[size]', "'page[size]' must be >= 1: expected a whole number 1..100"],
    ['page[number]=0', 'page[number]', "'page[number]' must be >= 1: expected a whole number 1..10000000"],
    [
      'page[number]=1.5',
      'page[number]',
      "'page[number]' must be integer: expected a whole number 1..10000000",
    ],
    [
      'page[number]=two',
      'page[number]',
      "'page[number]' must be integer: expected a whole number 1..10000000",
    ],
    [
      'filter[min_score]=-1',
      'filter[min_score]',
      "'filter[min_score]' must be >= 0: expected a number 0..100",
    ],
    [
      'filter[max_score]=101',
      'filter[max_score]',
      "'filter[max_score]' must be <= 100: expected a number 0..100",
    ],
    [
      'filter[min_score]=',
      'filter[min_score]',
      "'filter[min_score]' must be number: expected a number 0..100",
    ],
    [
      'filter[max_count]=lots',
      'filter[max_count]',
      "'filter[max_count]' must be number: expected a number ≥ 0",
    ],
    ['filter[min_count]=-2', 'filter[min_count]', "'filter[min_count]' must be >= 0: expected a number ≥ 0"],
    [
      'filter[hide_zero_scores]=yes',
      'filter[hide_zero_scores]',
      "'filter[hide_zero_scores]' must be boolean: expected true or false",
    ],
    [
      'filter[source]=OMIM',
      'filter[source]',
      "'filter[source]' must be equal to one of the allowed values: expected one of: PanelApp, HPO, PubTator, DiagnosticPanels, GenCC, ClinGen, Literature",
    ],
    [
      'filter[group]=insufficient',
      'filter[group]',
      "'filter[group]' must be equal to one of the allowed values: expected one of: well_supported, emerging_evidence",
    ],
    [
      'filter[tier]=no_evidence',
      'filter[tier]',
      "Unknown tier(s) 'no_evidence'. Allowed: comprehensive_support, multi_source_support, established_support, preliminary_evidence, minimal_evidence",
    ],
    [
      'filter[ids]=1,two',
      'filter[ids]',
      "'two' is not a gene id: expected a comma list of positive whole numbers",
    ],
    [
      'filter[min_score]=50&filter[max_score]=10',
      'filter[min_score]',
      'filter[min_score] (50) must not exceed filter[max_score] (10)',
    ],
    [
      'filter[min_count]=3&filter[max_count]=1',
      'filter[min_count]',
      'filter[min_count] (3) must not exceed filter[max_count] (1)',
    ],
    [
      `filter[search]=${'x'.repeat(201)}`,
      'filter[search]',
      "'filter[search]' must NOT have more than 200 characters: expected text of at most 200 characters",
    ],
    [
      'sort=-popularity',
      'sort',
      "Unknown sort field 'popularity' in '-popularity'. Allowed (prefix - for descending): id, symbol, approved_symbol, hgnc_id, score, evidence_score, count, evidence_count, created_at, updated_at, evidence_tier, evidence_group",
    ],
  ])('%s → 400 naming %s', async (query, parameter, detail) => {
    expect(await problem(`/api/genes/?${query}`)).toEqual({
      status: 400,
      code: 'INVALID_PARAMETER',
      parameter,
      detail,
    });
  });

  it('more than 5000 ids is a 400', async () => {
    const ids = Array.from({ length: 5001 }, (_, i) => i + 1).join(',');
    expect(await problem(`/api/genes/?filter[ids]=${ids}`)).toMatchObject({
      status: 400,
      parameter: 'filter[ids]',
      detail: 'At most 5000 ids are allowed, got 5001',
    });
  });

  it('the detail and evidence routes take no query parameters', async () => {
    expect(await problem('/api/genes/PKD1?include=all')).toMatchInlineSnapshot(`
      {
        "code": "INVALID_PARAMETER",
        "detail": "Unknown query parameter 'include': this route takes none",
        "parameter": "include",
        "status": 400,
      }
    `);
    expect((await problem('/api/genes/PKD1/evidence?x=1')).parameter).toBe('x');
  });
});
