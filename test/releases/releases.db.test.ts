import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBackup } from '../../src/backup/backup.js';
import { runRestore } from '../../src/backup/restore.js';
import { registerReleases } from '../../src/cli/commands/releases.js';
import { createLogger } from '../../src/logger.js';
import { canonicalChecksum } from '../../src/releases/release-export.js';
import { findRelease } from '../../src/releases/release-repository.js';
import { runKgdb } from '../auth/auth-test-kit.js';
import { insertFixture } from '../genes/gene-fixture.js';
import { testApp } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { insertGene, refreshMaterializedViews } from '../helpers/views.js';
import { tokenHeaders } from '../logs/log-fixture.js';

// Releases on the hand-scored fixture (gene-fixture.ts): scored PKD1 (75 %, comprehensive_support, 4 evidence
// rows), PKD2 (45 %, established_support, 2), UMOD (12.5 %, preliminary_evidence, 1); NPHS1 and ZERO_1 score 0
// and NONE% has no score, so a release freezes 3 genes with 7 evidence rows.

let db: TestDatabase;
let app: FastifyInstance;
let admin: Record<string, string>;
let viewer: Record<string, string>;
/** created_by of the API's releases: the name tokenHeaders gives the admin token. */
const ADMIN_TOKEN = 'token:logs test admin';

beforeAll(async () => {
  db = await createTestDatabase();
  await insertFixture(db.pool);
  await refreshMaterializedViews(db.pool);
  app = await testApp(db.pool);
  admin = await tokenHeaders(db.pool, 'admin');
  viewer = await tokenHeaders(db.pool, 'viewer');
});
afterAll(async () => {
  await app?.close();
  await db?.drop();
});

const get = (url: string) => app.inject({ method: 'GET', url });
const create = (payload: object, headers = admin) =>
  app.inject({ method: 'POST', url: '/api/releases', headers, payload });
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const symbols = (body: { data: { attributes: { approved_symbol: string } }[] }) =>
  body.data.map((g) => g.attributes.approved_symbol);

/** What a client sees of a release: its record, its genes, its canonical export. */
async function snapshot(version: string) {
  const export_ = await get(`/api/releases/${version}/export?format=csv`);
  return {
    release: (await get(`/api/releases/${version}`)).json().data,
    genes: (await get(`/api/releases/${version}/genes?page[size]=100`)).json(),
    exportBytes: export_.rawPayload,
  };
}

describe('releases', () => {
  let first: Awaited<ReturnType<typeof snapshot>>;

  it('an admin creates a draft that freezes the scored genes with counts, creator and checksum', async () => {
    const res = await create({ version: '2026.1', release_notes: 'First' });
    expect(res.statusCode).toBe(201);
    const release = res.json().data;
    expect(release).toMatchObject({
      version: '2026.1',
      status: 'draft',
      release_date: null,
      published_at: null,
      gene_count: 3,
      total_evidence_count: 7,
      tier_counts: { comprehensive_support: 1, established_support: 1, preliminary_evidence: 1 },
      release_notes: 'First',
      created_by: ADMIN_TOKEN,
      created_by_id: null,
    });
    expect(release.export_checksum).toMatch(/^[0-9a-f]{64}$/);
    expect(release.citation_text).toContain('2026.1');

    const genes = (await get('/api/releases/2026.1/genes')).json();
    expect(symbols(genes)).toEqual(['PKD1', 'PKD2', 'UMOD']);
    expect(genes.meta).toEqual({
      release: '2026.1',
      total: 3,
      page: 1,
      per_page: 20,
      page_count: 1,
      offset: 0,
    });
    expect(genes.data[0].attributes).toMatchObject({
      evidence_tier: 'comprehensive_support',
      evidence_score: 75,
      sources: ['ClinGen', 'GenCC', 'Literature', 'PanelApp'],
    });
    first = await snapshot('2026.1');
  });

  it("the checksum is the SHA-256 of the release's CSV export, recomputed", async () => {
    const res = await get('/api/releases/2026.1/export?format=csv');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(res.headers['content-disposition']).toBe('attachment; filename="kgdb-release-2026.1.csv"');
    expect(res.headers['cache-control']).toBe('no-store');
    expect(sha256(res.rawPayload)).toBe(first.release.export_checksum);
    // The export holds the frozen genes in the list's default order, and names the release.
    const rows = parse(res.rawPayload, { columns: true, comment: '#' }) as Record<string, string>[];
    expect(rows.map((r) => r.approved_symbol)).toEqual(['PKD1', 'PKD2', 'UMOD']);
    expect(res.body).toContain('release=2026.1');
    const head = await app.inject({ method: 'HEAD', url: '/api/releases/2026.1/export?format=xlsx' });
    expect(head.statusCode).toBe(200);
    expect(head.headers['content-disposition']).toBe('attachment; filename="kgdb-release-2026.1.xlsx"');
    expect(head.headers['cache-control']).toBe('no-store');
  });

  it("the genes take the list's filters and sort; so does the export", async () => {
    const sorted = (await get('/api/releases/2026.1/genes?sort=approved_symbol&page[size]=2')).json();
    expect(symbols(sorted)).toEqual(['PKD1', 'PKD2']);
    expect(sorted.links.next).toBe(
      '/api/releases/2026.1/genes?page[number]=2&page[size]=2&sort=approved_symbol',
    );
    // Upstream's limit / offset page too; links stay in page[…] form.
    const upstream = (await get('/api/releases/2026.1/genes?limit=1&offset=1')).json();
    expect(symbols(upstream)).toEqual(['PKD2']);
    expect(upstream.meta).toMatchObject({ page: 2, per_page: 1, offset: 1, page_count: 3 });
    expect(upstream.links.next).toBe('/api/releases/2026.1/genes?page[number]=3&page[size]=1');
    const tier = (await get('/api/releases/2026.1/genes?filter[tier]=established_support')).json();
    expect(symbols(tier)).toEqual(['PKD2']);
    const json = await get('/api/releases/2026.1/export?format=json&filter[min_score]=40');
    expect(json.statusCode).toBe(200);
    expect(json.json().data.map((g: { approved_symbol: string }) => g.approved_symbol)).toEqual([
      'PKD1',
      'PKD2',
    ]);
    const filtered = await get('/api/releases/2026.1/export?filter[min_score]=40');
    expect(sha256(filtered.rawPayload)).not.toBe(first.release.export_checksum);
  });

  it('lists releases and answers 404 naming an unknown version', async () => {
    const list = (await get('/api/releases')).json();
    expect(list.meta).toEqual({ total: 1, limit: 100, offset: 0 });
    expect(list.data.map((r: { version: string }) => r.version)).toEqual(['2026.1']);
    expect((await get('/api/releases?status=published')).json().meta.total).toBe(0);
    for (const url of ['/api/releases/2099.1', '/api/releases/2099.1/genes', '/api/releases/2099.1/export']) {
      const res = await get(url);
      expect(res.statusCode).toBe(404);
      expect(res.json().error.source.parameter).toBe('version');
      expect(res.json().error.detail).toContain('2099.1');
      // An error is never sent as a download.
      expect(res.headers['content-disposition']).toBeUndefined();
    }
  });

  it('data changes after the release leave it unchanged', async () => {
    await db.pool.query(`delete from genes where approved_symbol = 'UMOD'`);
    await insertGene(db.pool, {
      symbol: 'NEWG',
      hgncId: 'HGNC:99999',
      evidence: { ClinGen: { classifications: ['Definitive'] } },
    });
    await db.pool.query(
      `update gene_evidence set evidence_data = '{"classifications": ["Limited"]}'
        where gene_id = (select id from genes where approved_symbol = 'PKD2') and source_name = 'GenCC'`,
    );
    await refreshMaterializedViews(db.pool);
    // The live list did change.
    const live = (await get('/api/genes/?page[size]=100')).json();
    expect(symbols(live)).not.toEqual(symbols(first.genes));
    expect(await snapshot('2026.1')).toEqual(first);
  });

  it('the diff of two releases around a known edit lists exactly that edit', async () => {
    // Undo the PKD2 change, so the only edit between 2026.1 and 2026.2 is UMOD out, NEWG in.
    await db.pool.query(
      `update gene_evidence set evidence_data = '{"classifications": ["Strong"]}'
        where gene_id = (select id from genes where approved_symbol = 'PKD2') and source_name = 'GenCC'`,
    );
    await refreshMaterializedViews(db.pool);
    expect((await create({ version: '2026.2' })).statusCode).toBe(201);
    const res = await get('/api/releases/2026.1/diff/2026.2?min_score_change=0');
    expect(res.statusCode).toBe(200);
    const { data, meta } = res.json();
    expect(data).toEqual({
      added: [
        {
          id: expect.any(String),
          approved_symbol: 'NEWG',
          hgnc_id: 'HGNC:99999',
          evidence_tier: 'preliminary_evidence',
          evidence_score: 25,
        },
      ],
      removed: [
        {
          id: first.genes.data[2].id,
          approved_symbol: 'UMOD',
          hgnc_id: 'HGNC:12559',
          evidence_tier: 'preliminary_evidence',
          evidence_score: 12.5,
        },
      ],
      retiered: [],
      score_changes: [],
    });
    expect(meta).toEqual({
      from: '2026.1',
      to: '2026.2',
      min_score_change: 0,
      added: 1,
      removed: 1,
      retiered: 0,
      score_changes: 0,
    });
  });

  it('a re-tier between releases is listed with its score change', async () => {
    // PKD2 loses its ClinGen row: GenCC 0.8 alone is 20 % from one source, preliminary_evidence (was 45 %).
    await db.pool.query(
      `delete from gene_evidence
        where gene_id = (select id from genes where approved_symbol = 'PKD2') and source_name = 'ClinGen'`,
    );
    await refreshMaterializedViews(db.pool);
    expect((await create({ version: '2026.3' })).statusCode).toBe(201);
    const { data } = (await get('/api/releases/2026.2/diff/2026.3')).json();
    expect(data.added).toEqual([]);
    expect(data.removed).toEqual([]);
    expect(data.retiered).toEqual([
      expect.objectContaining({
        approved_symbol: 'PKD2',
        from: 'established_support',
        to: 'preliminary_evidence',
      }),
    ]);
    expect(data.score_changes).toEqual([
      expect.objectContaining({ approved_symbol: 'PKD2', from: 45, to: 20, delta: -25 }),
    ]);
  });

  it('publish; a published release cannot be deleted, a draft can', async () => {
    const published = await app.inject({
      method: 'POST',
      url: '/api/releases/2026.1/publish',
      headers: admin,
    });
    expect(published.statusCode).toBe(200);
    expect(published.json().data).toMatchObject({ status: 'published', published_by: ADMIN_TOKEN });
    expect(published.json().data.release_date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(published.json().data.export_checksum).toBe(first.release.export_checksum);
    const again = await app.inject({ method: 'POST', url: '/api/releases/2026.1/publish', headers: admin });
    expect(again.statusCode).toBe(409);

    const refused = await app.inject({ method: 'DELETE', url: '/api/releases/2026.1', headers: admin });
    expect(refused.statusCode).toBe(409);
    expect(refused.json().error).toMatchObject({ code: 'CONFLICT', source: { parameter: 'version' } });
    expect(refused.json().error.detail).toContain('2026.1');
    expect((await get('/api/releases/2026.1')).statusCode).toBe(200);

    const deleted = await app.inject({ method: 'DELETE', url: '/api/releases/2026.3', headers: admin });
    expect(deleted.statusCode).toBe(204);
    expect((await get('/api/releases/2026.3')).statusCode).toBe(404);
    const { rows } = await db.pool.query(
      `select count(*)::int as n from release_genes where release_id not in (select id from releases)`,
    );
    expect(rows[0].n).toBe(0);
  });

  it('creating with publish: true publishes at once', async () => {
    const res = await create({ version: '2026.4.1', publish: true });
    expect(res.statusCode).toBe(201);
    expect(res.json().data).toMatchObject({ status: 'published', published_by: ADMIN_TOKEN });
  });

  it('strict validation: 409 for an existing version, 400 naming the parameter, 401 / 403', async () => {
    const duplicate = await create({ version: '2026.1' });
    expect(duplicate.statusCode).toBe(409);
    expect(duplicate.json().error.detail).toContain('2026.1');
    const cases: [string, () => ReturnType<typeof get>, string][] = [
      ['version', () => create({ version: '2026-12' }), 'version'],
      ['unknown field', () => create({ version: '2026.5', extra: 1 }), 'extra'],
      [
        'notes too long',
        () => create({ version: '2026.5', release_notes: 'x'.repeat(10_001) }),
        'release_notes',
      ],
      ['path version', () => get('/api/releases/latest'), 'version'],
      ['diff a', () => get('/api/releases/x/diff/2026.1'), 'a'],
      ['threshold', () => get('/api/releases/2026.1/diff/2026.2?min_score_change=101'), 'min_score_change'],
      ['format', () => get('/api/releases/2026.1/export?format=pdf'), 'format'],
      ['export page', () => get('/api/releases/2026.1/export?page[size]=5'), 'page[size]'],
      ['list limit', () => get('/api/releases?limit=0'), 'limit'],
      ['limit with page', () => get('/api/releases/2026.1/genes?limit=5&page[number]=2'), 'limit'],
      ['status', () => get('/api/releases?status=old'), 'status'],
      ['tier', () => get('/api/releases/2026.1/genes?filter[tier]=gold'), 'filter[tier]'],
    ];
    for (const [name, send, parameter] of cases) {
      const res = await send();
      expect(res.statusCode, name).toBe(400);
      expect(res.json().error.source.parameter, name).toBe(parameter);
    }
    expect((await create({ version: '2026.1' })).json().error.code).toBe('CONFLICT');
    expect((await get('/api/releases/2026.1/diff/2099.1')).json().error.source.parameter).toBe('b');
    expect((await create({ version: '2026.5' }, {})).statusCode).toBe(401);
    expect((await create({ version: '2026.5' }, viewer)).statusCode).toBe(403);
    const del = await app.inject({ method: 'DELETE', url: '/api/releases/2026.2', headers: viewer });
    expect(del.statusCode).toBe(403);
  });

  it('the database refuses to change frozen data', async () => {
    const attempts = [
      `update release_genes set evidence_score = 99`,
      `delete from release_genes where gene_symbol = 'PKD1'`,
      `update releases set gene_count = 1 where version = '2026.2'`,
      `update releases set release_notes = 'edited' where version = '2026.1'`,
      `update releases set status = 'draft', published_at = null where version = '2026.1'`,
    ];
    for (const sql of attempts) await expect(db.pool.query(sql), sql).rejects.toThrow(/never change/);
    const after = await snapshot('2026.1');
    expect(after.genes).toEqual(first.genes);
    expect(after.exportBytes).toEqual(first.exportBytes);
    expect(after.release).toMatchObject({ release_notes: 'First', gene_count: 3, status: 'published' });
  });

  it('kgdb releases create and list', async () => {
    const created = await runKgdb(db.url, [registerReleases], ['releases', 'create', '--version', '2026.6']);
    expect(created.stderr).toBe('');
    expect(created.exitCode).toBe(0);
    const release = (await get('/api/releases/2026.6')).json().data;
    expect(created.stdout).toContain(`2026.6  draft  ${release.gene_count} genes`);
    expect(created.stdout).toContain(release.export_checksum);
    expect(release.created_by).toMatch(/^cli:/);
    const exported = await get('/api/releases/2026.6/export');
    expect(sha256(exported.rawPayload)).toBe(release.export_checksum);

    const duplicate = await runKgdb(
      db.url,
      [registerReleases],
      ['releases', 'create', '--version', '2026.6'],
    );
    expect(duplicate.exitCode).toBe(1);
    expect(duplicate.stderr).toMatch(/^CONFLICT: .*2026\.6/);
    const bad = await runKgdb(db.url, [registerReleases], ['releases', 'create', '--version', 'next']);
    expect(bad.exitCode).toBe(1);
    expect(bad.stderr).toMatch(/^INVALID_PARAMETER: --version/);

    const list = await runKgdb(db.url, [registerReleases], ['releases', 'list']);
    expect(list.exitCode).toBe(0);
    expect(list.stdout.split('\n')[0]).toMatch(/^2026\.6 {2}draft/);
    expect(list.stdout).toContain('2026.1  published');
  });

  it('a backup restores the releases as they were (the immutability triggers do not stop the load)', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'kgdb-releases-'));
    const target = await createTestDatabase();
    try {
      const file = path.join(dir, 'backup.tar.gz');
      await runBackup(db.pool, { file, force: false });
      await runRestore(target.pool, { file, replace: true, logger: createLogger('silent') });
      const rows = (pool: typeof db.pool) =>
        Promise.all([
          pool.query('select * from releases order by id'),
          pool.query('select * from release_genes order by release_id, gene_id'),
        ]).then(([r, g]) => [r.rows, g.rows]);
      const [releases, genes] = await rows(target.pool);
      expect(releases?.length).toBeGreaterThan(0);
      expect([releases, genes]).toEqual(await rows(db.pool));
      const restored = await findRelease(target.pool, '2026.1');
      expect(restored && (await canonicalChecksum(target.pool, restored))).toBe(
        first.release.export_checksum,
      );
      await expect(target.pool.query('update release_genes set evidence_score = 1')).rejects.toThrow(
        /never change/,
      );
    } finally {
      await target.drop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
