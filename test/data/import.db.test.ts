import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { registerImport } from '../../src/cli/commands/import.js';
import { importFiles } from '../../src/data/import/import-files.js';
import { KgdbError, toError } from '../../src/errors.js';
import type { Progress } from '../../src/progress.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { LITERATURE_DIR, PANELS_DIR, upstreamPresent } from '../helpers/upstream.js';

const hasUpstream = upstreamPresent('the upstream-data import tests');

let db: TestDatabase;
let tmp: string;

beforeAll(async () => {
  db = await createTestDatabase();
  tmp = await mkdtemp(path.join(os.tmpdir(), 'kgdb-import-'));
});
afterAll(async () => {
  await db.drop();
  await rm(tmp, { recursive: true, force: true });
});
beforeEach(async () => {
  await db.pool.query('truncate genes restart identity cascade');
});
afterEach(() => {
  // Leak check: every borrowed client went back to the pool.
  expect(db.pool.totalCount - db.pool.idleCount).toBe(0);
});

let fixtureNo = 0;
/** Writes a fixture file (an object is written as JSON, an array of objects as JSON Lines). */
async function fixture(name: string, content: unknown): Promise<string> {
  const dir = path.join(tmp, `f${++fixtureNo}`);
  await mkdir(dir);
  const file = path.join(dir, name);
  const text =
    typeof content === 'string'
      ? content
      : Array.isArray(content)
        ? content.map((row) => JSON.stringify(row)).join('\n')
        : JSON.stringify(content, null, 2);
  await writeFile(file, text);
  return file;
}

const panelsFile = (provider: string, genes: unknown[], scrapedAt = '2025-08-24T19:36:00') => ({
  provider_name: provider,
  scraped_at: scrapedAt,
  genes,
});
const paperFile = (pmid: string, genes: unknown[], date = '2020-01-01T00:00:00') => ({
  pmid,
  title: `Paper ${pmid}`,
  authors: ['A. Author'],
  journal: 'Kidney International',
  publication_date: date,
  url: `https://pubmed.ncbi.nlm.nih.gov/${pmid}/`,
  doi: null,
  genes,
});

async function counts(): Promise<{ genes: number; evidence: number }> {
  const { rows } = await db.pool.query<{ genes: number; evidence: number }>(
    'select (select count(*)::int from genes) as genes, (select count(*)::int from gene_evidence) as evidence',
  );
  return rows[0] ?? { genes: -1, evidence: -1 };
}

/** Every column of every row, plus xmin: equal snapshots mean no row was rewritten, not even to itself. */
async function snapshot(): Promise<unknown[]> {
  const genes = await db.pool.query('select g.*, g.xmin::text as xmin from genes g order by g.id');
  const evidence = await db.pool.query('select e.*, e.xmin::text as xmin from gene_evidence e order by e.id');
  return [genes.rows, evidence.rows];
}

async function evidenceOf(symbol: string, source: string) {
  const { rows } = await db.pool.query(
    `select e.source_detail, e.evidence_data, e.evidence_date::text as evidence_date
       from gene_evidence e join genes g on g.id = e.gene_id
      where upper(g.approved_symbol) = upper($1) and e.source_name = $2`,
    [symbol, source],
  );
  return rows[0];
}

async function importError(paths: string[]): Promise<KgdbError> {
  try {
    await importFiles(db.pool, paths);
  } catch (raw) {
    const err = toError(raw);
    if (err instanceof KgdbError) return err;
    throw err;
  }
  throw new Error('expected the import to fail');
}

describe.skipIf(!hasUpstream)('the 21 upstream files', () => {
  it('import into an empty database as 1,205 genes and 1,781 evidence rows (966 + 815)', async () => {
    const phases: string[] = [];
    const progress: Progress = { start: (label) => phases.push(label), advance() {}, done() {} };
    const summary = await importFiles(db.pool, [PANELS_DIR, LITERATURE_DIR], progress);
    expect(phases).toEqual(['reading files', 'writing']);
    expect(summary).toEqual({
      files: { DiagnosticPanels: 9, Literature: 12, JsonLines: 0 },
      genes: { created: 1205, existing: 0, hgncLinked: 0, identifiersUpdated: 0 },
      evidence: { created: 1781, updated: 0, unchanged: 0 },
      bySource: {
        DiagnosticPanels: { created: 966, updated: 0, unchanged: 0 },
        Literature: { created: 815, updated: 0, unchanged: 0 },
      },
    });
    const { rows } = await db.pool.query<{ source_name: string; n: number }>(
      'select source_name, count(*)::int as n from gene_evidence group by source_name order by source_name',
    );
    expect(rows).toEqual([
      { source_name: 'DiagnosticPanels', n: 966 },
      { source_name: 'Literature', n: 815 },
    ]);
    expect(await counts()).toEqual({ genes: 1205, evidence: 1781 });
  });

  it('gives CEP290 16 distinct panels across providers, and keeps the case of C21orf58', async () => {
    await importFiles(db.pool, [PANELS_DIR, LITERATURE_DIR]);
    const cep290 = await evidenceOf('CEP290', 'DiagnosticPanels');
    expect(cep290.evidence_data.panel_count).toBe(16);
    expect(new Set(cep290.evidence_data.panels).size).toBe(16);
    expect(cep290.evidence_data.panels).toEqual([...cep290.evidence_data.panels].sort());
    expect(cep290.evidence_data.provider_count).toBe(cep290.evidence_data.providers.length);
    expect(cep290.evidence_data.hgnc_ids).toEqual(['HGNC:29021']);
    expect(cep290.evidence_date).toBe('2025-08-24');
    expect(cep290.source_detail).toMatch(/^DiagnosticPanels: 16 panels from .+ \(\+\d+ more\)$/);
    const { rows } = await db.pool.query(
      `select approved_symbol from genes where upper(approved_symbol) = 'C21ORF58'`,
    );
    expect(rows).toEqual([{ approved_symbol: 'C21orf58' }]);
  });

  it('re-importing the same files reports 0 created / 0 updated and changes no row', async () => {
    await importFiles(db.pool, [PANELS_DIR, LITERATURE_DIR]);
    const before = await snapshot();
    const again = await importFiles(db.pool, [LITERATURE_DIR, PANELS_DIR]);
    expect(again.genes).toEqual({ created: 0, existing: 1205, hgncLinked: 0, identifiersUpdated: 0 });
    expect(again.evidence).toEqual({ created: 0, updated: 0, unchanged: 1781 });
    expect(await snapshot()).toEqual(before);
  });

  it('gives the same rows when the providers arrive in two runs as in one', async () => {
    const files = (await readdir(PANELS_DIR)).sort().map((f) => path.join(PANELS_DIR, f));
    await importFiles(db.pool, files.slice(0, 4));
    const second = await importFiles(db.pool, files.slice(4));
    expect(second.evidence.updated).toBeGreaterThan(0);
    const split = await db.pool.query('select approved_symbol, hgnc_id from genes order by hgnc_id');
    const cep290Split = await evidenceOf('CEP290', 'DiagnosticPanels');
    await db.pool.query('truncate genes restart identity cascade');
    await importFiles(db.pool, [PANELS_DIR]);
    const whole = await db.pool.query('select approved_symbol, hgnc_id from genes order by hgnc_id');
    expect(split.rows).toEqual(whole.rows);
    expect(cep290Split).toEqual(await evidenceOf('CEP290', 'DiagnosticPanels'));
  });
});

describe('merging into what is stored', () => {
  it('unions panels and providers across files and runs, and recomputes the counts', async () => {
    const a = await fixture(
      'a.json',
      panelsFile('Lab A', [{ symbol: 'PKD1', hgnc_id: 'HGNC:9008', panels: ['Cystic', 'Renal'] }]),
    );
    const b = await fixture('b.json', panelsFile('Lab B', [{ symbol: 'pkd1', panels: ['Renal', 'ADPKD'] }]));
    const first = await importFiles(db.pool, [a, b]);
    expect(first.genes.created).toBe(1);
    expect(await evidenceOf('PKD1', 'DiagnosticPanels')).toEqual({
      source_detail: 'DiagnosticPanels: 3 panels from Lab A, Lab B',
      evidence_data: {
        panel_count: 3,
        panels: ['ADPKD', 'Cystic', 'Renal'],
        providers: ['Lab A', 'Lab B'],
        provider_count: 2,
        hgnc_ids: ['HGNC:9008'],
      },
      evidence_date: '2025-08-24',
    });

    const c = await fixture(
      'c.json',
      panelsFile(
        'Lab C',
        [{ symbol: 'PKD1', hgnc_id: 'HGNC:9008', panels: ['Renal'] }],
        '2025-09-01T08:00:00',
      ),
    );
    const second = await importFiles(db.pool, [c]);
    expect(second.evidence).toEqual({ created: 0, updated: 1, unchanged: 0 });
    const merged = await evidenceOf('PKD1', 'DiagnosticPanels');
    expect(merged.evidence_data).toMatchObject({ panel_count: 3, provider_count: 3 });
    expect(merged.evidence_date).toBe('2025-09-01');
  });

  it('unions PMIDs across papers and keeps each paper’s details', async () => {
    const p1 = await fixture('p1.json', paperFile('31027891', [{ symbol: 'UMOD', hgnc_id: 'HGNC:12559' }]));
    const p2 = await fixture('p2.json', paperFile('9', [{ symbol: 'UMOD' }], '2022-05-01T00:00:00'));
    await importFiles(db.pool, [p1]);
    await importFiles(db.pool, [p2, p1]);
    const umod = await evidenceOf('UMOD', 'Literature');
    expect(umod.evidence_data.publication_count).toBe(2);
    expect(umod.evidence_data.publications).toEqual(['9', '31027891']);
    expect(umod.evidence_data.publication_details['9']).toEqual({
      title: 'Paper 9',
      authors: ['A. Author'],
      journal: 'Kidney International',
      publication_date: '2022-05-01T00:00:00',
      url: 'https://pubmed.ncbi.nlm.nih.gov/9/',
      doi: null,
    });
    expect(umod.source_detail).toBe('Literature: 2 publications');
    expect(umod.evidence_date).toBe('2022-05-01');
    expect(await counts()).toEqual({ genes: 1, evidence: 1 });
  });

  it('gives a gene imported by symbol alone its HGNC id when a later file names it', async () => {
    const bySymbol = await fixture('s.json', panelsFile('Lab A', [{ symbol: 'NPHS1', panels: ['SRNS'] }]));
    await importFiles(db.pool, [bySymbol]);
    const withId = await fixture('h.json', paperFile('1', [{ symbol: 'NPHS1', hgnc_id: 'HGNC:7908' }]));
    const summary = await importFiles(db.pool, [withId]);
    expect(summary.genes).toEqual({ created: 0, existing: 1, hgncLinked: 1, identifiersUpdated: 0 });
    const { rows } = await db.pool.query('select approved_symbol, hgnc_id, aliases from genes');
    expect(rows).toEqual([{ approved_symbol: 'NPHS1', hgnc_id: 'HGNC:7908', aliases: [] }]);
  });
});

describe('JSON Lines for the other sources', () => {
  const rows = [
    {
      approved_symbol: 'PKD2',
      hgnc_id: 'HGNC:9009',
      source_name: 'PanelApp',
      evidence_data: { panels: [{ id: 1, name: 'Cystic', version: '2.1', region: 'UK' }], panel_count: 1 },
    },
    {
      approved_symbol: 'PKD2',
      hgnc_id: 'HGNC:9009',
      source_name: 'HPO',
      evidence_data: { hpo_terms: ['HP:0000107'] },
    },
    {
      approved_symbol: 'PKD2',
      source_name: 'PubTator',
      evidence_data: { publication_count: 2, pmids: ['1', '2'] },
      source_detail: 'PubTator API',
      evidence_date: '2025-01-31',
    },
    { approved_symbol: 'PKD2', source_name: 'GenCC', evidence_data: { classifications: ['Definitive'] } },
    { approved_symbol: 'COL4A5', source_name: 'ClinGen', evidence_data: { classifications: ['Strong'] } },
    {
      approved_symbol: 'COL4A5',
      source_name: 'DiagnosticPanels',
      evidence_data: { panels: ['Alport'], providers: ['Lab J'] },
    },
  ];

  it('imports each row as the evidence of its gene and source', async () => {
    const file = await fixture('other.jsonl', rows);
    const summary = await importFiles(db.pool, [file]);
    expect(summary.files).toEqual({ DiagnosticPanels: 0, Literature: 0, JsonLines: 1 });
    expect(summary.genes.created).toBe(2);
    expect(summary.evidence).toEqual({ created: 6, updated: 0, unchanged: 0 });
    expect(await evidenceOf('PKD2', 'PubTator')).toEqual({
      source_detail: 'PubTator API',
      evidence_data: { publication_count: 2, pmids: ['1', '2'] },
      evidence_date: '2025-01-31',
    });
    expect((await evidenceOf('COL4A5', 'DiagnosticPanels')).evidence_data).toEqual({
      panel_count: 1,
      panels: ['Alport'],
      providers: ['Lab J'],
      provider_count: 1,
      hgnc_ids: [],
    });
  });

  it('replaces a stored row only when it differs, and never twice for the same file', async () => {
    await importFiles(db.pool, [await fixture('v1.jsonl', rows)]);
    const before = await snapshot();
    const same = await importFiles(db.pool, [await fixture('v1-again.jsonl', rows)]);
    expect(same.evidence).toEqual({ created: 0, updated: 0, unchanged: 6 });
    expect(await snapshot()).toEqual(before);

    const changed = rows.map((r) =>
      r.source_name === 'HPO' ? { ...r, evidence_data: { hpo_terms: ['HP:0000107', 'HP:0000113'] } } : r,
    );
    const next = await importFiles(db.pool, [await fixture('v2.jsonl', changed)]);
    expect(next.evidence).toEqual({ created: 0, updated: 1, unchanged: 5 });
    expect(next.bySource.HPO).toEqual({ created: 0, updated: 1, unchanged: 0 });
    expect((await evidenceOf('PKD2', 'HPO')).evidence_data.hpo_terms).toHaveLength(2);
  });

  it('unions a DiagnosticPanels row with the panels a provider file stored', async () => {
    await importFiles(db.pool, [
      await fixture('lab.json', panelsFile('Lab A', [{ symbol: 'COL4A5', panels: ['Renal'] }])),
    ]);
    await importFiles(db.pool, [await fixture('more.jsonl', rows)]);
    expect((await evidenceOf('COL4A5', 'DiagnosticPanels')).evidence_data).toMatchObject({
      panels: ['Alport', 'Renal'],
      providers: ['Lab A', 'Lab J'],
      panel_count: 2,
      provider_count: 2,
    });
  });
});

describe('bad input: a clear error naming file and entry, and nothing written; the CLI', () => {
  let good: string;
  beforeEach(async () => {
    good = await fixture('good.json', panelsFile('Lab A', [{ symbol: 'PKD1', panels: ['Renal'] }]));
  });

  const cases: [string, string, unknown, RegExp | string][] = [
    [
      'a gene without a symbol',
      'panels.json',
      panelsFile('Lab B', [
        { symbol: 'PKD2', panels: ['X'] },
        { hgnc_id: 'HGNC:9009', panels: ['X'] },
      ]),
      'panels.json: genes[1]: missing symbol',
    ],
    [
      'an unknown source in JSON Lines',
      'rows.jsonl',
      [
        { approved_symbol: 'PKD2', source_name: 'HPO', evidence_data: {} },
        { approved_symbol: 'PKD2', source_name: 'Foo', evidence_data: {} },
      ],
      "rows.jsonl: line 2: unknown source_name 'Foo'; allowed: PanelApp, HPO, PubTator, DiagnosticPanels, GenCC, ClinGen, Literature",
    ],
    [
      'a JSON Lines line that is not JSON',
      'broken.jsonl',
      '{"approved_symbol": "PKD2", "source_name": "HPO", "evidence_data": {}}\n\n{"approved_symbol": "PKD1",',
      /^broken\.jsonl: line 3: invalid JSON \(.+\)$/,
    ],
    [
      'invalid JSON, with its line',
      'bad.json',
      '{\n  "provider_name": "Lab B",\n  "genes": [\n    {"symbol": "PKD2" "panels": []}\n  ]\n}\n',
      /^bad\.json: invalid JSON at line 4, column 23 \(.+\)$/,
    ],
    [
      'a JSON document of the wrong shape',
      'shape.json',
      '[1, 2, 3]',
      /^shape\.json: not an import file: expected a DiagnosticPanels object/,
    ],
    [
      'a malformed HGNC id',
      'hgnc.json',
      paperFile('5', [{ symbol: 'PKD2', hgnc_id: '9009' }]),
      'hgnc.json: genes[0]: hgnc_id "9009" is not an HGNC id (expected HGNC:<digits>)',
    ],
    [
      'two rows for one gene and replace source',
      'twice.jsonl',
      [
        { approved_symbol: 'PKD2', source_name: 'HPO', evidence_data: {} },
        { approved_symbol: 'pkd2', source_name: 'HPO', evidence_data: { hpo_terms: [] } },
      ],
      /^twice\.jsonl: line 2: a second HPO row for gene pkd2 in this import \(first at .+twice\.jsonl: line 1\)/,
    ],
  ];

  it.each(cases)('%s', async (_name, fileName, content, expected) => {
    const bad = await fixture(fileName, content);
    const err = await importError([good, bad]);
    expect(err.code).toBe('INVALID_INPUT');
    expect(err.parameter).toBe(bad);
    const detail = err.message.replace(`${path.dirname(bad)}${path.sep}`, '');
    if (typeof expected === 'string') expect(detail).toBe(expected);
    else expect(detail).toMatch(expected);
    expect(await counts()).toEqual({ genes: 0, evidence: 0 });
  });

  it('an unreadable path', async () => {
    const missing = path.join(tmp, 'nope', 'missing.json');
    const err = await importError([good, missing]);
    expect(err.parameter).toBe(missing);
    expect(err.message).toMatch(/missing\.json: cannot read \(ENOENT: no such file or directory/);
    expect(await counts()).toEqual({ genes: 0, evidence: 0 });
  });

  it('the CLI prints the summary to stdout on success', async () => {
    const out: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      out.push(String(chunk));
      return true;
    });
    const savedUrl = process.env.DATABASE_URL;
    process.env.DATABASE_URL = db.url;
    try {
      const program = new Command('kgdb').exitOverride();
      registerImport(program);
      await program.parseAsync(['node', 'kgdb', 'import', good]);
      expect(process.exitCode ?? 0).toBe(0);
    } finally {
      spy.mockRestore();
      if (savedUrl === undefined) delete process.env.DATABASE_URL;
      else process.env.DATABASE_URL = savedUrl;
    }
    expect(out.join('')).toContain('files     1 DiagnosticPanels, 0 Literature, 0 JSON Lines\n');
    expect(out.join('')).toMatch(/DiagnosticPanels +1 +0 +0\n/);
    expect(await counts()).toEqual({ genes: 1, evidence: 1 });
  });

  it('the CLI prints CODE: message to stderr and exits 1', async () => {
    const bad = await fixture('cli.json', panelsFile('Lab B', [{ panels: ['X'] }]));
    const stderr: string[] = [];
    const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      stderr.push(String(chunk));
      return true;
    });
    const savedUrl = process.env.DATABASE_URL;
    process.env.DATABASE_URL = db.url;
    try {
      const program = new Command('kgdb').exitOverride();
      registerImport(program);
      await program.parseAsync(['node', 'kgdb', 'import', good, bad]);
      expect(process.exitCode).toBe(1);
    } finally {
      spy.mockRestore();
      process.exitCode = 0;
      if (savedUrl === undefined) delete process.env.DATABASE_URL;
      else process.env.DATABASE_URL = savedUrl;
    }
    expect(stderr.join('')).toContain(`INVALID_INPUT: ${bad}: genes[0]: missing symbol\n`);
    expect(await counts()).toEqual({ genes: 0, evidence: 0 });
  });
});

describe('gene identifiers: aliases, previous symbols, Ensembl and NCBI ids', () => {
  const identifiers = async () => {
    const { rows } = await db.pool.query(
      `select approved_symbol, aliases, previous_symbols, ensembl_gene_id, ncbi_gene_id from genes order by id`,
    );
    return rows;
  };
  const pkd2Row = (extra: object) => ({
    approved_symbol: 'PKD2',
    hgnc_id: 'HGNC:9009',
    source_name: 'HPO',
    evidence_data: { hpo_terms: ['HP:0000107'] },
    ...extra,
  });

  it('takes them from JSON Lines rows and panel and paper entries, unions the lists, fills empty ids', async () => {
    const rows = await fixture('ids.jsonl', [
      pkd2Row({ aliases: ['PC2'], previous_symbols: ['APKD2'], ensembl_gene_id: 'ensg00000118762' }),
    ]);
    const panels = await fixture(
      'p.json',
      panelsFile('Lab A', [
        {
          symbol: 'PKD2',
          hgnc_id: 'HGNC:9009',
          panels: ['Cystic'],
          aliases: ['pc2', 'TRPP2'],
          ncbi_gene_id: 5311,
        },
      ]),
    );
    const first = await importFiles(db.pool, [rows]);
    expect(first.genes).toMatchObject({ created: 1, identifiersUpdated: 0 });
    const second = await importFiles(db.pool, [panels]);
    expect(second.genes).toMatchObject({ existing: 1, identifiersUpdated: 1 });
    expect(await identifiers()).toEqual([
      {
        approved_symbol: 'PKD2',
        aliases: ['PC2', 'TRPP2'],
        previous_symbols: ['APKD2'],
        ensembl_gene_id: 'ENSG00000118762',
        ncbi_gene_id: '5311',
      },
    ]);
    const before = await snapshot();
    const again = await importFiles(db.pool, [rows, panels]);
    expect(again.genes).toMatchObject({ identifiersUpdated: 0 });
    expect(await snapshot()).toEqual(before);
  });

  it('refuses an id that differs from the stored one, naming both', async () => {
    await importFiles(db.pool, [await fixture('a.jsonl', [pkd2Row({ ncbi_gene_id: '5311' })])]);
    const file = await fixture('b.jsonl', [pkd2Row({ ncbi_gene_id: '9999' })]);
    const err = await importError([file]);
    expect(err.message).toBe(
      `${file}: line 1: ncbi_gene_id 9999 of gene PKD2 differs from the stored 5311; correct the file, or the stored value first`,
    );
  });

  it('refuses two entries giving one gene different ids, naming both places', async () => {
    const file = await fixture(
      'p.json',
      panelsFile('Lab A', [
        { symbol: 'PKD2', panels: ['A'], ensembl_gene_id: 'ENSG00000118762' },
        { symbol: 'PKD2', panels: ['B'], ensembl_gene_id: 'ENSG00000000001' },
      ]),
    );
    const err = await importError([file]);
    expect(err.message).toBe(
      `${file}: genes[1]: ensembl_gene_id ENSG00000000001 of gene PKD2 differs from ENSG00000118762 given at ${file}: genes[0]`,
    );
    expect(await counts()).toEqual({ genes: 0, evidence: 0 });
  });

  it('refuses an id another gene holds, naming that gene', async () => {
    await importFiles(db.pool, [await fixture('a.jsonl', [pkd2Row({ ensembl_gene_id: 'ENSG00000118762' })])]);
    const file = await fixture(
      'p.json',
      paperFile('1', [{ symbol: 'PKD1', ensembl_gene_id: 'ENSG00000118762' }]),
    );
    const err = await importError([file]);
    expect(err.message).toBe(
      `${file}: genes[0]: ensembl_gene_id ENSG00000118762 given to gene PKD1 already belongs to gene PKD2`,
    );
  });

  it.each([
    [
      { ensembl_gene_id: 'ENSG118762' },
      'ensembl_gene_id "ENSG118762" is not an Ensembl gene id (ENSG + 11 digits)',
    ],
    [{ ncbi_gene_id: '53a1' }, 'ncbi_gene_id "53a1" is not an NCBI Gene id (digits, no leading zero)'],
    [{ ncbi_gene_id: '05311' }, 'ncbi_gene_id "05311" is not an NCBI Gene id (digits, no leading zero)'],
    [{ previous_symbols: 'APKD2' }, 'previous_symbols must be a list of names, got "APKD2"'],
    [{ aliases: ['PC2', ''] }, 'aliases[1] must be a non-empty string, got ""'],
  ])('a bad value %o: error naming file, line and field', async (extra, message) => {
    const file = await fixture('bad.jsonl', [pkd2Row(extra)]);
    const err = await importError([file]);
    expect(err.message).toBe(`${file}: line 1: ${message}`);
    expect(await counts()).toEqual({ genes: 0, evidence: 0 });
  });
});
