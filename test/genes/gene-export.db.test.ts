import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importFiles } from '../../src/data/import/import-files.js';
import { GENE_EXPORT_COLUMNS } from '../../src/genes/export/gene-export-columns.js';
import type { GeneRow } from '../../src/genes/gene-repository.js';
import { testApp } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { LITERATURE_DIR, PANELS_DIR, upstreamPresent } from '../helpers/upstream.js';
import { refreshMaterializedViews } from '../helpers/views.js';

// GET /api/genes/export on the real upstream data: every format read back by a parser equals what the list
// API shows page by page, in the same order; formula injection end to end; validation.

const hasUpstream = upstreamPresent('the upstream-data export tests');

let db: TestDatabase;
let app: FastifyInstance;

beforeAll(async () => {
  db = await createTestDatabase();
  if (hasUpstream) await importFiles(db.pool, [PANELS_DIR, LITERATURE_DIR]);
  await refreshMaterializedViews(db.pool);
  app = await testApp(db.pool);
});
afterAll(async () => {
  await app?.close();
  await db?.drop();
});

/** The columns as the export names them; each read-back row is compared key by key with the list's attributes. */
const HEADERS = GENE_EXPORT_COLUMNS.map((c) => c.header);
const LISTS = new Set(['aliases', 'sources']);
const NUMBERS = new Set(['evidence_score', 'evidence_count']);

/** Every page of GET /api/genes/ with these filters, 100 a page, as GeneRows. */
async function listAll(query: string): Promise<GeneRow[]> {
  const rows: GeneRow[] = [];
  for (let page = 1; ; page++) {
    const res = await app.inject({
      method: 'GET',
      url: `/api/genes/?${query}&page[size]=100&page[number]=${page}`,
    });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    for (const gene of body.data) rows.push({ id: gene.id, ...gene.attributes });
    if (page >= body.meta.page_count) return rows;
  }
}

async function exportOf(query: string) {
  const res = await app.inject({ method: 'GET', url: `/api/genes/export?${query}` });
  expect(res.statusCode, res.body.slice(0, 300)).toBe(200);
  return res;
}

/** A CSV/TSV text cell back to its value: the formula guard's quote off, lists split, numbers parsed. */
function fromText(header: string, cell: string): unknown {
  const text = /^'[=+\-@\t\r]/.test(cell) ? cell.slice(1) : cell;
  if (LISTS.has(header)) return text === '' ? [] : text.split('|');
  if (text === '') return null;
  return NUMBERS.has(header) ? Number(text) : text;
}

/** An XLSX cell back to its value: empty cells are null (or an empty list), lists split. */
function fromXlsx(header: string, cell: unknown): unknown {
  if (LISTS.has(header)) return cell === undefined || cell === null ? [] : String(cell).split('|');
  return cell === undefined ? null : cell;
}

const toRecord = (cells: readonly unknown[]) => Object.fromEntries(HEADERS.map((h, i) => [h, cells[i]]));

const QUERIES = [
  '',
  'filter[tier]=multi_source_support,established_support,preliminary_evidence&sort=approved_symbol',
  'filter[hide_zero_scores]=false&sort=-evidence_count,approved_symbol',
  'filter[search]=pk&filter[min_score]=1.5',
];

describe.skipIf(!hasUpstream)('the upstream data, exported and read back, equals the list API', () => {
  it.each(QUERIES)('csv and tsv: %j', async (query) => {
    const expected = await listAll(query);
    expect(expected.length).toBeGreaterThan(0);
    for (const [format, delimiter] of [
      ['csv', ','],
      ['tsv', '\t'],
    ] as const) {
      const res = await exportOf(`format=${format}&${query}`);
      const [header, ...records]: string[][] = parse(res.rawPayload, { bom: true, comment: '#', delimiter });
      expect(header).toEqual([...HEADERS]);
      const rows = records.map((cells) => toRecord(cells.map((cell, i) => fromText(HEADERS[i] ?? '', cell))));
      expect(rows).toEqual(expected);
      // The metadata line closes the file: its rows count and the filters as sent.
      const last = res.body.trimEnd().split('\r\n').at(-1) ?? '';
      expect(last).toMatch(
        new RegExp(`^#title=kgdb gene list&release=&generated_at=\\S+&rows=${expected.length}`),
      );
      for (const pair of query.split('&').filter(Boolean)) {
        expect(last).toContain(pair.replaceAll(',', '%2C'));
      }
    }
  });

  it.each(QUERIES)('json: %j', async (query) => {
    const expected = await listAll(query);
    const body = (await exportOf(`format=json&${query}`)).json();
    expect(body.data).toEqual(expected);
    expect(body.meta).toMatchObject({ title: 'kgdb gene list', release: null, columns: [...HEADERS] });
    expect(new URLSearchParams(body.meta.filters).toString()).toBe(new URLSearchParams(query).toString());
  });

  it.each(QUERIES)('xlsx: %j', async (query) => {
    const expected = await listAll(query);
    const res = await exportOf(`format=xlsx&${query}`);
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(new Uint8Array(res.rawPayload).buffer);
    const sheet = book.getWorksheet('Data');
    if (!sheet) throw new Error('no sheet Data');
    const rows: Record<string, unknown>[] = [];
    sheet.eachRow((row, n) => {
      const cells = HEADERS.map((_, i) => (row.values as unknown[])[i + 1]);
      if (n === 1) expect(cells).toEqual([...HEADERS]);
      else rows.push(toRecord(cells.map((cell, i) => fromXlsx(HEADERS[i] ?? '', cell))));
    });
    expect(rows).toEqual(expected);
    const about: Record<string, unknown> = {};
    book.getWorksheet('About')?.eachRow((row) => {
      const [, name, value] = row.values as unknown[];
      about[String(name)] = value ?? '';
    });
    expect(about).toMatchObject({ title: 'kgdb gene list', rows: String(expected.length) });
  });

  it('sends the file as an attachment, uncached', async () => {
    const res = await exportOf('format=xlsx');
    expect(res.headers['content-disposition']).toMatch(
      /^attachment; filename="kgdb-genes-\d{4}-\d\d-\d\d\.xlsx"$/,
    );
    expect(res.headers['content-type']).toBe(
      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    );
    expect(res.headers['cache-control']).toBe('no-store');
    const csv = await exportOf('');
    expect(csv.headers['content-type']).toMatch(/^text\/csv; charset=utf-8/);
    expect(csv.headers['content-disposition']).toMatch(/filename="kgdb-genes-\d{4}-\d\d-\d\d\.csv"$/);
  });
});

describe('formula injection, end to end', () => {
  it('text starting with = + - @ is guarded in CSV and TSV, exact in JSON and XLSX; numbers stay numbers', async () => {
    const { rows } = await db.pool.query<{ id: string }>(
      `insert into genes (approved_symbol, hgnc_id, aliases)
       values ('=HYPERLINK("http://evil.example","x")', '@SUM(A1)', array['+1', '-cmd', 'ok'])
       returning id::text`,
    );
    const id = rows[0]?.id as string;
    await refreshMaterializedViews(db.pool);
    const query = `filter[ids]=${id}&filter[hide_zero_scores]=false`;

    const csv = await exportOf(`format=csv&${query}`);
    const [, record] = parse(csv.rawPayload, { bom: true, comment: '#' }) as string[][];
    expect(record?.slice(0, 4)).toEqual([
      id,
      '\'=HYPERLINK("http://evil.example","x")',
      "'@SUM(A1)",
      "'+1|-cmd|ok",
    ]);
    expect(csv.body).toContain(
      `\r\n${id},"'=HYPERLINK(""http://evil.example"",""x"")",'@SUM(A1),'+1|-cmd|ok,`,
    );
    const tsv = await exportOf(`format=tsv&${query}`);
    const [, tsvRecord] = parse(tsv.rawPayload, { bom: true, comment: '#', delimiter: '\t' }) as string[][];
    expect(tsvRecord?.slice(1, 3)).toEqual(['\'=HYPERLINK("http://evil.example","x")', "'@SUM(A1)"]);

    const json = (await exportOf(`format=json&${query}`)).json();
    expect(json.data[0]).toMatchObject({
      approved_symbol: '=HYPERLINK("http://evil.example","x")',
      hgnc_id: '@SUM(A1)',
      aliases: ['+1', '-cmd', 'ok'],
    });

    const book = new ExcelJS.Workbook();
    await book.xlsx.load(new Uint8Array((await exportOf(`format=xlsx&${query}`)).rawPayload).buffer);
    const cell = book.getWorksheet('Data')?.getCell('B2');
    expect(cell?.type).toBe(ExcelJS.ValueType.String);
    expect(cell?.value).toBe('=HYPERLINK("http://evil.example","x")');
    // evidence_count: a number cell, not text.
    expect(book.getWorksheet('Data')?.getCell('F2').value).toBe(0);
  });
});

describe('validation and methods', () => {
  async function problem(url: string) {
    const res = await app.inject({ method: 'GET', url });
    const { error } = res.json();
    return {
      status: res.statusCode,
      code: error.code,
      parameter: error.source.parameter,
      detail: error.detail,
    };
  }

  it.each([
    ['format=xml', 'format', /one of: csv, tsv, json, xlsx/],
    ['page[size]=10', 'page[size]', /no pages/],
    ['format=csv&page[number]=2', 'page[number]', /no pages/],
    ['filter[min_score]=abc', 'filter[min_score]', /number/],
    ['filter[tier]=nope', 'filter[tier]', /Allowed: comprehensive_support/],
    ['filter[min_score]=50&filter[max_score]=10', 'filter[min_score]', /must not exceed/],
    ['sort=nope', 'sort', /nope/],
    ['colour=red', 'colour', /Unknown/],
  ])('%s → 400 naming %s', async (query, parameter, detail) => {
    const p = await problem(`/api/genes/export?${query}`);
    expect(p).toMatchObject({ status: 400, code: 'INVALID_PARAMETER', parameter });
    expect(p.detail).toMatch(detail);
  });

  it('HEAD answers the headers without running the export', async () => {
    const res = await app.inject({ method: 'HEAD', url: '/api/genes/export?format=tsv' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/tab-separated-values/);
    expect(res.headers['content-disposition']).toMatch(/\.tsv"$/);
    expect(res.body).toBe('');
  });

  it('/export is the route, not a gene symbol; the gene route still answers other symbols', async () => {
    await db.pool.query(
      `insert into genes (approved_symbol, hgnc_id) values ('EXPROUTE1', 'HGNC:990001') on conflict do nothing`,
    );
    await refreshMaterializedViews(db.pool);
    const gene = await app.inject({ method: 'GET', url: '/api/genes/EXPROUTE1' });
    expect(gene.statusCode).toBe(200);
    expect(gene.json().data.attributes).toMatchObject({
      approved_symbol: 'EXPROUTE1',
      hgnc_id: 'HGNC:990001',
    });
    // /api/genes/export answers the file, not a lookup of a gene named "export".
    const file = await app.inject({ method: 'GET', url: '/api/genes/export' });
    expect(file.statusCode).toBe(200);
    expect(file.headers['content-type']).toBe('text/csv; charset=utf-8; header=present');
    expect(file.headers['content-disposition']).toMatch(/^attachment; filename="kgdb-genes-/);
    expect(file.body.startsWith('\ufeffid,approved_symbol,hgnc_id,')).toBe(true);
    expect((await app.inject({ method: 'GET', url: '/api/genes/export/evidence' })).statusCode).toBe(404);
    const spec = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
    expect(spec.paths['/api/genes/export'].get.parameters.map((p: { name: string }) => p.name)).toContain(
      'format',
    );
  });

  it('no client is left checked out', async () => {
    expect(db.pool.totalCount - db.pool.idleCount).toBe(0);
  });
});
