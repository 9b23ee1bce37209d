import { describe, expect, it } from 'vitest';
import { KgdbError } from '../../src/errors.js';
import { type IdentifiedGene, queryKeys, resolveAll } from '../../src/genes/resolve/resolve-query.js';

const gene = (id: number, approved_symbol: string, more: Partial<IdentifiedGene> = {}): IdentifiedGene => ({
  id,
  approved_symbol,
  hgnc_id: null,
  aliases: [],
  previous_symbols: [],
  ensembl_gene_id: null,
  ncbi_gene_id: null,
  ...more,
});

describe('queryKeys', () => {
  it.each([
    ['PKD1', ['PKD1']],
    [' pkd1 ', ['PKD1']],
    ['HGNC:9008', ['HGNC:9008']],
    ['hgnc:9008', ['HGNC:9008']],
    ['9008', ['9008', 'HGNC:9008']],
    ['ENSG00000118762', ['ENSG00000118762']],
    ['ensg00000118762.14', ['ENSG00000118762']],
    ['HGNC:', ['HGNC:']],
    // Only ASCII letters fold, as in the index (translate(), not the locale's upper()).
    ['straße-é', ['STRAßE-é']],
  ])('%s → %o', (query, keys) => {
    expect(queryKeys(query, 'query')).toEqual(keys);
  });

  it('a blank query is a 400 naming the parameter', () => {
    const err = (() => {
      try {
        queryKeys(' \t', 'queries[3]');
      } catch (raw) {
        return raw;
      }
    })();
    expect(err).toBeInstanceOf(KgdbError);
    expect(err).toMatchObject({ status: 400, parameter: 'queries[3]' });
  });
});

describe('resolveAll', () => {
  const genes = [
    gene(5, 'PKD4', { hgnc_id: 'HGNC:99001' }),
    gene(2, 'PKD2', {
      hgnc_id: 'HGNC:9009',
      aliases: ['PKD4', 'shared'],
      previous_symbols: ['APKD2'],
      ensembl_gene_id: 'ENSG00000118762',
      ncbi_gene_id: '5311',
    }),
    gene(1, 'PKD1', {
      hgnc_id: 'HGNC:9008',
      aliases: ['SHARED'],
      previous_symbols: ['PKD4'],
      ncbi_gene_id: '9009',
    }),
  ];
  const resolve = (query: string) => {
    const [r] = resolveAll([{ query, keys: queryKeys(query, 'query') }], genes);
    return r && [r.status, r.candidates.map((c) => [c.gene.id, c.matched_by])];
  };

  it('ranks approved symbol, then previous symbol, then alias', () => {
    expect(resolve('pkd4')).toEqual([
      'ambiguous',
      [
        [5, 'approved_symbol'],
        [1, 'previous_symbol'],
        [2, 'alias'],
      ],
    ]);
  });

  it('ranks an HGNC id before an NCBI id of the same number', () => {
    expect(resolve('9009')).toEqual([
      'ambiguous',
      [
        [2, 'hgnc_id'],
        [1, 'ncbi_gene_id'],
      ],
    ]);
  });

  it('breaks ties by gene id, and counts a gene once however many keys it matches', () => {
    expect(resolve('Shared')).toEqual([
      'ambiguous',
      [
        [1, 'alias'],
        [2, 'alias'],
      ],
    ]);
    expect(resolve('ENSG00000118762')).toEqual(['resolved', [[2, 'ensembl_gene_id']]]);
    expect(resolve('5311')).toEqual(['resolved', [[2, 'ncbi_gene_id']]]);
  });

  it('keeps request order and repeats, unresolved ones with no candidates', () => {
    const queries = ['APKD2', 'nope', 'APKD2'].map((query) => ({ query, keys: queryKeys(query, 'q') }));
    expect(resolveAll(queries, genes).map((r) => [r.query, r.status, r.candidates.length])).toEqual([
      ['APKD2', 'resolved', 1],
      ['nope', 'unresolved', 0],
      ['APKD2', 'resolved', 1],
    ]);
  });
});
