import { describe, expect, it } from 'vitest';
import { parseDiagnosticPanels } from '../../src/data/import/parse-diagnostic-panels.js';
import { parseInputFile } from '../../src/data/import/parse-input-file.js';
import { parseJsonLinesRows } from '../../src/data/import/parse-jsonl.js';
import { parseLiterature } from '../../src/data/import/parse-literature.js';
import { readHgncId, readIsoDate, toIsoDate } from '../../src/data/import/read-fields.js';
import { KgdbError, toError } from '../../src/errors.js';

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (raw) {
    const err = toError(raw);
    if (err instanceof KgdbError && err.code === 'INVALID_INPUT') return err.message;
    throw err;
  }
  throw new Error('expected an INVALID_INPUT error');
}

const never = (message: string): never => {
  throw new Error(message);
};

describe('parseDiagnosticPanels', () => {
  it('turns every gene entry into panels + provider + HGNC id, dated by scraped_at', () => {
    const got = parseDiagnosticPanels('lab.json', {
      provider_name: ' Lab A ',
      scraped_at: '2025-08-24T19:36:00.163286',
      genes: [
        {
          symbol: 'C21orf58',
          hgnc_id: 'HGNC:1282',
          panels: ['Ciliopathy ', 'Renal'],
          reported_as: 'C21ORF58',
        },
      ],
    });
    expect(got).toEqual([
      {
        source: 'DiagnosticPanels',
        gene: { symbol: 'C21orf58', hgncId: 'HGNC:1282', file: 'lab.json', where: 'genes[0]' },
        panels: ['Ciliopathy', 'Renal'],
        providers: ['Lab A'],
        hgncIds: ['HGNC:1282'],
        date: '2025-08-24',
      },
    ]);
  });

  it.each([
    [{ provider_name: '', genes: [] }, 'lab.json: provider_name must be a non-empty string, got ""'],
    [
      { provider_name: 'L', genes: [{ symbol: 'A', panels: [] }, 'B'] },
      'lab.json: genes[1]: expected an object, got "B"',
    ],
    [{ provider_name: 'L', genes: [{ symbol: ' ', panels: [] }] }, 'lab.json: genes[0]: missing symbol'],
    [
      { provider_name: 'L', genes: [{ symbol: 7, panels: [] }] },
      'lab.json: genes[0]: symbol must be a string, got 7',
    ],
    [
      { provider_name: 'L', genes: [{ symbol: 'A' }] },
      'lab.json: genes[0]: panels must be a list of names, got undefined',
    ],
    [
      { provider_name: 'L', genes: [{ symbol: 'A', panels: ['x', 3] }] },
      'lab.json: genes[0]: panels[1] must be a non-empty string, got 3',
    ],
  ])('rejects %j', (doc, expected) => {
    expect(messageOf(() => parseDiagnosticPanels('lab.json', doc))).toBe(expected);
  });
});

describe('parseLiterature', () => {
  const paper = {
    pmid: 35005812,
    title: 'Targeted NGS in fetuses',
    authors: ['Penelope Jordan', 'Laurence Heidet'],
    journal: 'Human Mutation',
    publication_date: '2022-01-10T00:00:00',
    url: 'https://onlinelibrary.wiley.com/doi/10.1002/humu.24324',
    doi: '10.1002/humu.24324',
    genes: [{ symbol: 'PKHD1' }],
  };

  it('gives every gene the paper’s PMID (as a string) and its details', () => {
    const [got] = parseLiterature('p.json', paper);
    expect(got).toEqual({
      source: 'Literature',
      gene: { symbol: 'PKHD1', hgncId: null, file: 'p.json', where: 'genes[0]' },
      publications: ['35005812'],
      details: {
        '35005812': {
          title: 'Targeted NGS in fetuses',
          authors: ['Penelope Jordan', 'Laurence Heidet'],
          journal: 'Human Mutation',
          publication_date: '2022-01-10T00:00:00',
          url: 'https://onlinelibrary.wiley.com/doi/10.1002/humu.24324',
          doi: '10.1002/humu.24324',
        },
      },
      date: '2022-01-10',
    });
  });

  it.each([
    [{ ...paper, pmid: 'PMID:1' }, 'p.json: pmid must be a PubMed id (digits), got "PMID:1"'],
    [{ ...paper, title: 5 }, 'p.json: title must be a string or null, got 5'],
    [{ ...paper, genes: [{}, { hgnc_id: 'HGNC:1' }] }, 'p.json: genes[0]: missing symbol'],
  ])('rejects %j', (doc, expected) => {
    expect(messageOf(() => parseLiterature('p.json', doc))).toBe(expected);
  });
});

describe('parseJsonLinesRows', () => {
  const row = (value: unknown, line = 4) => parseJsonLinesRows('r.jsonl', [{ line, value }]);

  it('keeps a replace-source row as it is, with its own source_detail and evidence_date', () => {
    expect(
      row({
        approved_symbol: 'PKD2',
        hgnc_id: 'hgnc:9009',
        source_name: 'GenCC',
        evidence_data: { classifications: ['Definitive'] },
        source_detail: 'GenCC 2025-01',
        evidence_date: '2025-01-31',
      }),
    ).toEqual([
      {
        source: 'GenCC',
        gene: { symbol: 'PKD2', hgncId: 'HGNC:9009', file: 'r.jsonl', where: 'line 4' },
        evidenceData: { classifications: ['Definitive'] },
        sourceDetail: 'GenCC 2025-01',
        evidenceDate: '2025-01-31',
      },
    ]);
  });

  it('reads the sets of a DiagnosticPanels row and ignores its counts', () => {
    const [got] = row({
      approved_symbol: 'PKD2',
      hgnc_id: 'HGNC:9009',
      source_name: 'DiagnosticPanels',
      evidence_data: { panels: ['A'], providers: ['Lab'], panel_count: 99 },
    });
    expect(got).toMatchObject({ panels: ['A'], providers: ['Lab'], hgncIds: ['HGNC:9009'], date: null });
  });

  it('reads the PMIDs of a Literature row, a PMID with details counting as listed', () => {
    const [got] = row({
      approved_symbol: 'UMOD',
      source_name: 'Literature',
      evidence_data: {
        publications: ['1'],
        publication_details: { '2': { title: 'T', publication_date: '2021-03-04T00:00:00' } },
      },
    });
    expect(got).toMatchObject({ publications: ['1', '2'], date: '2021-03-04' });
  });

  const allowed = 'allowed: PanelApp, HPO, PubTator, DiagnosticPanels, GenCC, ClinGen, Literature';
  it.each([
    [[1], 'r.jsonl: line 4: expected a JSON object, got [1]'],
    [
      { approved_symbol: 'A', source_name: 'Foo', evidence_data: {} },
      `r.jsonl: line 4: unknown source_name 'Foo'; ${allowed}`,
    ],
    [
      { approved_symbol: 'A', source_name: 'hpo', evidence_data: {} },
      `r.jsonl: line 4: unknown source_name 'hpo'; ${allowed}`,
    ],
    [{ approved_symbol: 'A', evidence_data: {} }, `r.jsonl: line 4: missing source_name; ${allowed}`],
    [{ source_name: 'HPO', evidence_data: {} }, 'r.jsonl: line 4: missing approved_symbol'],
    [
      { approved_symbol: 'A', source_name: 'HPO', evidence_data: [] },
      'r.jsonl: line 4: evidence_data must be a JSON object, got []',
    ],
    [
      { approved_symbol: 'A', source_name: 'HPO', evidence_data: {}, symbol: 'A' },
      "r.jsonl: line 4: unknown field 'symbol'; allowed: approved_symbol, hgnc_id, aliases, previous_symbols, ensembl_gene_id, ncbi_gene_id, source_name, evidence_data, source_detail, evidence_date",
    ],
    [
      { approved_symbol: 'A', source_name: 'HPO', evidence_data: {}, evidence_date: '2025-13-01' },
      'r.jsonl: line 4: evidence_date must be a date YYYY-MM-DD or null, got "2025-13-01"',
    ],
    [
      { approved_symbol: 'A', source_name: 'DiagnosticPanels', evidence_data: { panel_count: 1 } },
      'r.jsonl: line 4: evidence_data.panels must be a list of names, got undefined',
    ],
    [
      { approved_symbol: 'A', source_name: 'Literature', evidence_data: { publications: ['x'] } },
      'r.jsonl: line 4: evidence_data.publications[0] must be a PubMed id (digits), got "x"',
    ],
  ])('rejects %j', (value, expected) => {
    expect(messageOf(() => row(value))).toBe(expected);
  });
});

describe('parseInputFile', () => {
  it('dispatches on the detected kind', () => {
    const text = '{"approved_symbol":"A","source_name":"HPO","evidence_data":{"hpo_terms":[]}}';
    expect(parseInputFile('x.json', text)).toMatchObject({ path: 'x.json', kind: 'JsonLines' });
  });
});

describe('read-fields', () => {
  it('takes the calendar date from timestamps and rejects impossible dates', () => {
    expect(toIsoDate('2016-04-22T00:00:00')).toBe('2016-04-22');
    expect(toIsoDate('2024-02-30')).toBeNull();
    expect(toIsoDate('April 2016')).toBeNull();
    expect(toIsoDate(null)).toBeNull();
    expect(readIsoDate('2024-02-29', 'd', never)).toBe('2024-02-29');
  });

  it('normalises HGNC ids and treats empty as none', () => {
    expect(readHgncId(' hgnc:57 ', 'hgnc_id', never)).toBe('HGNC:57');
    expect(readHgncId('', 'hgnc_id', never)).toBeNull();
    expect(readHgncId(null, 'hgnc_id', never)).toBeNull();
  });
});
