import type { Duplex } from 'node:stream';
import { text } from 'node:stream/consumers';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { describe, expect, it } from 'vitest';
import {
  type ExportCell,
  type ExportColumn,
  type ExportFormat,
  type ExportMeta,
  exportContentType,
  exportFileName,
  exportStream,
} from '../../src/export/table-export.js';

interface Row {
  name: string;
  score: number | null;
  tags: string[];
  ok: boolean;
}

const COLUMNS: ExportColumn<Row>[] = [
  { header: 'name', value: (r) => r.name },
  { header: 'score', value: (r) => r.score },
  { header: 'tags', value: (r): ExportCell => r.tags },
  { header: 'ok', value: (r) => r.ok },
];

const ROWS: Row[] = [
  { name: 'plain', score: 1.5, tags: ['a', 'b'], ok: true },
  { name: 'comma, "quote"\r\nbreak\ttab', score: -2, tags: [], ok: false },
  { name: '=1+1', score: null, tags: ['-x', 'y'], ok: true },
  { name: 'Ünïcødé ✓', score: 0, tags: ['@z'], ok: false },
];

const META: ExportMeta = {
  title: 'test table',
  release: '2026.1',
  filters: { 'filter[tier]': 'a,b\tc', sort: '-score', 'filter[search]': '50% & more=#;' },
  generatedAt: '2026-12-03T10:00:00.000Z',
};

async function* source<T>(rows: readonly T[]): AsyncIterable<T> {
  yield* rows;
}

async function bytes(format: ExportFormat, rows: readonly Row[] = ROWS): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of exportStream(source(rows), format, COLUMNS, META))
    chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

const DELIMITED = [
  ['csv', ','],
  ['tsv', '\t'],
] as const;

/** The records as a reader sees them that skips the metadata line as a `#` comment. */
const readBack = (raw: Buffer, delimiter: string): string[][] =>
  parse(raw, { bom: true, comment: '#', delimiter, relax_column_count: false });

describe('CSV and TSV', () => {
  it.each(DELIMITED)(
    '%s: BOM, header, RFC 4180 quoting, CRLF, guarded text, one metadata line last',
    async (format, delimiter) => {
      const raw = await bytes(format);
      expect(raw.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
      const body = raw.toString('utf8').slice(1);
      expect(body.startsWith(`name${delimiter}score${delimiter}tags${delimiter}ok\r\n`)).toBe(true);
      const lines = body.split('\r\n');
      expect(lines.at(-1)).toBe('');
      const last = lines.at(-2) ?? '';
      expect(last.startsWith('#')).toBe(true);
      expect(last).not.toMatch(/[,\t"]/);
      expect(last).toBe(
        '#title=test table&release=2026.1&generated_at=2026-12-03T10:00:00.000Z&rows=4' +
          '&filter[tier]=a%2Cb%09c&sort=-score&filter[search]=50%25 %26 more%3D%23%3B',
      );

      expect(readBack(raw, delimiter)).toEqual([
        ['name', 'score', 'tags', 'ok'],
        ['plain', '1.5', 'a|b', 'true'],
        ['comma, "quote"\r\nbreak\ttab', '-2', '', 'false'],
        ["'=1+1", '', "'-x|y", 'true'],
        ['Ünïcødé ✓', '0', "'@z", 'false'],
      ]);
    },
  );

  it.each(DELIMITED)(
    '%s: a value holding # is quoted, so a reader skipping # comments keeps it whole',
    async (format, delimiter) => {
      const rows: Row[] = [
        { name: 'x#y', score: 1, tags: ['#a', 'b#'], ok: true },
        { name: '#start', score: null, tags: [], ok: false },
      ];
      const raw = await bytes(format, rows);
      expect(raw.toString('utf8')).toContain(`\r\n"x#y"${delimiter}1${delimiter}"#a|b#"${delimiter}true\r\n`);
      expect(raw.toString('utf8')).toContain(`\r\n"#start"${delimiter}`);
      expect(readBack(raw, delimiter)).toEqual([
        ['name', 'score', 'tags', 'ok'],
        ['x#y', '1', '#a|b#', 'true'],
        ['#start', '', '', 'false'],
      ]);
    },
  );

  it('an empty table is the header and the metadata line', async () => {
    const body = (await bytes('csv', [])).toString('utf8');
    expect(body).toBe(
      '\ufeffname,score,tags,ok\r\n#title=test table&release=2026.1&generated_at=2026-12-03T10:00:00.000Z&rows=0' +
        '&filter[tier]=a%2Cb%09c&sort=-score&filter[search]=50%25 %26 more%3D%23%3B\r\n',
    );
  });
});

describe('JSON', () => {
  it('meta first, rows as objects with lists as arrays and null as null', async () => {
    const parsed = JSON.parse((await bytes('json')).toString('utf8'));
    expect(parsed).toEqual({
      meta: {
        title: 'test table',
        release: '2026.1',
        filters: META.filters,
        generated_at: META.generatedAt,
        columns: ['name', 'score', 'tags', 'ok'],
      },
      data: ROWS.map((r) => ({ name: r.name, score: r.score, tags: r.tags, ok: r.ok })),
    });
    expect(JSON.parse((await bytes('json', [])).toString('utf8')).data).toEqual([]);
  });
});

describe('XLSX', () => {
  it('sheet Data with typed cells, never formulas; sheet About and the workbook properties hold the metadata', async () => {
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(new Uint8Array(await bytes('xlsx')).buffer);
    expect(book.worksheets.map((s) => s.name)).toEqual(['Data', 'About']);
    const data = book.getWorksheet('Data');
    if (!data) throw new Error('no sheet Data');
    const values = (n: number) => (data.getRow(n).values as unknown[]).slice(1);
    expect(values(1)).toEqual(['name', 'score', 'tags', 'ok']);
    expect(values(2)).toEqual(['plain', 1.5, 'a|b', true]);
    // XML reads a CR LF inside text as LF (XML 1.0, "End-of-Line Handling").
    expect(values(3)).toEqual(['comma, "quote"\nbreak\ttab', -2, undefined, false]);
    expect(values(4)).toEqual(['=1+1', undefined, '-x|y', true]);
    expect(data.getCell('A4').type).toBe(ExcelJS.ValueType.String);
    expect(data.rowCount).toBe(5);
    const about = book.getWorksheet('About');
    const pairs: unknown[][] = [];
    about?.eachRow((row) => pairs.push((row.values as unknown[]).slice(1)));
    expect(pairs).toContainEqual(['release', '2026.1']);
    expect(pairs).toContainEqual(['rows', '4']);
    expect(pairs).toContainEqual(['filter[tier]', 'a,b\tc']);
    expect(book.title).toBe('test table');
    expect(book.created.toISOString()).toBe(META.generatedAt);
  });
});

describe('streaming', () => {
  it('CSV, TSV and JSON are byte-identical for the same rows and meta', async () => {
    for (const format of ['csv', 'tsv', 'json'] as const) {
      expect((await bytes(format)).equals(await bytes(format))).toBe(true);
    }
  });

  /** An endless source that counts what was pulled and says when it was returned. */
  function endless() {
    const state = { pulled: 0, returned: false };
    let onReturn: () => void = () => {};
    const returned = new Promise<void>((resolve) => {
      onReturn = resolve;
    });
    async function* rows(): AsyncIterable<Row> {
      try {
        for (;;) {
          state.pulled += 1;
          yield { name: `gene${state.pulled}`, score: state.pulled, tags: ['x'], ok: true };
        }
      } finally {
        state.returned = true;
        onReturn();
      }
    }
    return { state, rows: rows(), returned };
  }

  /** Resolves once `check` holds, polling between event-loop turns; fails after a generous deadline. */
  async function until(check: () => boolean, what: string): Promise<void> {
    const deadline = Date.now() + 30_000;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  it.each(['csv', 'tsv', 'json', 'xlsx'] as const)(
    '%s: a reader that reads nothing pauses the source; leaving closes it',
    async (format) => {
      const { state, rows, returned } = endless();
      const out = exportStream(rows, format, COLUMNS, META) as Duplex;
      // Both sides of the output buffer fill, and the pump waits for it to drain.
      await until(() => out.writableNeedDrain, 'a full output buffer');
      const paused = state.pulled;
      // Many event-loop turns later, nothing more was pulled.
      for (let i = 0; i < 200; i++) await new Promise((resolve) => setImmediate(resolve));
      expect(state.pulled).toBe(paused);
      // Bounded: the output buffers (2 × 64 KiB) hold far fewer rows than this.
      expect(paused).toBeLessThan(100_000);
      // Reading on pulls more.
      out.read();
      await until(() => state.pulled > paused, 'the source to resume');
      out.destroy();
      await returned;
      expect(state.returned).toBe(true);
    },
  );

  it('an error of the source fails the stream', async () => {
    async function* failing(): AsyncIterable<Row> {
      yield ROWS[0] as Row;
      throw new Error('cursor lost');
    }
    await expect(text(exportStream(failing(), 'csv', COLUMNS, META))).rejects.toThrow('cursor lost');
  });
});

describe('names and types', () => {
  it('file names and content types', () => {
    expect(exportFileName('kgdb-genes-2026-12-03', 'csv')).toBe('kgdb-genes-2026-12-03.csv');
    expect(exportFileName('x', 'xlsx')).toBe('x.xlsx');
    expect(exportContentType('csv')).toMatch(/^text\/csv; charset=utf-8/);
    expect(exportContentType('tsv')).toMatch(/^text\/tab-separated-values/);
    expect(exportContentType('json')).toMatch(/^application\/json/);
    expect(exportContentType('xlsx')).toBe(
      'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
    );
  });
});
