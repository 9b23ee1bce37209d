import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DemoOptions } from '../../src/data/demo/demo-options.js';
import { replaceDemo, seedDemo } from '../../src/data/demo/seed-demo.js';
import type { Pool } from '../../src/db/pool.js';
import { KgdbError } from '../../src/errors.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

const OPTIONS: DemoOptions = {
  genes: 400,
  evidence: 1_500,
  logs: 4_000,
  seed: 7,
  now: new Date('2025-06-01T12:00:00Z'),
};

/** Tables and the order that makes their text deterministic. */
const TABLES = {
  genes: 'id',
  gene_evidence: 'id',
  gene_curations: 'id',
  gene_annotations: 'id',
  system_logs: 'id',
  users: 'email',
} as const;

async function fingerprints(pool: Pool): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [table, order] of Object.entries(TABLES)) {
    const { rows } = await pool.query<{ md5: string }>(
      `select md5(coalesce(string_agg(t::text, '|' order by t.${order}), '')) as md5 from ${table} t`,
    );
    out[table] = rows[0]?.md5 ?? '';
  }
  return out;
}

async function count(pool: Pool, table: string): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(`select count(*)::int as n from ${table}`);
  return rows[0]?.n ?? -1;
}

async function indexDefs(pool: Pool): Promise<string[]> {
  const { rows } = await pool.query<{ def: string }>(
    `select indexdef as def from pg_indexes
      where tablename in ('genes', 'gene_evidence', 'system_logs') order by indexname`,
  );
  return rows.map((r) => r.def);
}

describe('kgdb seed --demo on PostgreSQL', () => {
  let a: TestDatabase;
  let b: TestDatabase;
  let c: TestDatabase;
  let indexesBefore: string[];

  beforeAll(async () => {
    [a, b, c] = await Promise.all([createTestDatabase(2), createTestDatabase(2), createTestDatabase(2)]);
    indexesBefore = await indexDefs(a.pool);
    await seedDemo(a.pool, OPTIONS);
  });

  afterAll(async () => {
    await Promise.all([a?.drop(), b?.drop(), c?.drop()]);
  });

  it('writes exactly the requested numbers of genes, evidence rows and log rows, plus the demo users', async () => {
    expect(await count(a.pool, 'genes')).toBe(OPTIONS.genes);
    expect(await count(a.pool, 'gene_evidence')).toBe(OPTIONS.evidence);
    expect(await count(a.pool, 'system_logs')).toBe(OPTIONS.logs);
    const { rows } = await a.pool.query<{ email: string; role: string; hashed_password: string }>(
      'select email, role, hashed_password from users order by email',
    );
    expect(rows.map((r) => `${r.email} ${r.role}`)).toEqual([
      'admin@demo.kgdb.local admin',
      'curator@demo.kgdb.local curator',
      'researcher@demo.kgdb.local viewer',
      'viewer@demo.kgdb.local viewer',
    ]);
    expect(new Set(rows.map((r) => r.hashed_password))).toEqual(new Set(['!demo-account-no-login']));
    expect(await count(a.pool, 'gene_curations')).toBeGreaterThan(50);
    expect(await count(a.pool, 'gene_annotations')).toBeGreaterThan(100);
  });

  it('the same seed and now give identical data; another seed gives other data', async () => {
    await seedDemo(b.pool, OPTIONS);
    await seedDemo(c.pool, { ...OPTIONS, seed: 8 });
    const [fa, fb, fc] = await Promise.all([
      fingerprints(a.pool),
      fingerprints(b.pool),
      fingerprints(c.pool),
    ]);
    expect(fb).toEqual(fa);
    for (const table of ['genes', 'gene_evidence', 'system_logs'] as const)
      expect(fc[table]).not.toBe(fa[table]);
  });

  it('every source has its keys, and the counts the scoring views read agree with the lists', async () => {
    const { rows } = await a.pool.query<{ source_name: string; keys: string[] }>(
      `select source_name, array_agg(distinct k order by k) as keys
         from gene_evidence, jsonb_object_keys(evidence_data) k group by source_name order by source_name`,
    );
    expect(Object.fromEntries(rows.map((r) => [r.source_name, r.keys]))).toEqual({
      ClinGen: ['classifications', 'expert_panels', 'validities'],
      DiagnosticPanels: ['hgnc_ids', 'panel_count', 'panels', 'provider_count', 'providers'],
      GenCC: ['classifications', 'diseases', 'submissions', 'submitters'],
      HPO: ['diseases', 'evidence_score', 'hpo_terms'],
      Literature: ['publication_count', 'publication_details', 'publications'],
      PanelApp: ['evidence_levels', 'modes_of_inheritance', 'panel_count', 'panels', 'phenotypes', 'regions'],
      PubTator: ['mentions', 'pmids', 'publication_count', 'total_mentions'],
    });
    const { rows: bad } = await a.pool.query(
      `select id, source_name from gene_evidence where
          (source_name = 'DiagnosticPanels' and ((evidence_data->>'panel_count')::int <> jsonb_array_length(evidence_data->'panels')
             or (evidence_data->>'provider_count')::int <> jsonb_array_length(evidence_data->'providers')))
       or (source_name = 'PanelApp' and (evidence_data->>'panel_count')::int <> jsonb_array_length(evidence_data->'panels'))
       or (source_name = 'Literature' and (evidence_data->>'publication_count')::int <> jsonb_array_length(evidence_data->'publications'))
       or (source_name = 'PubTator' and (evidence_data->>'publication_count')::int < jsonb_array_length(evidence_data->'pmids'))`,
    );
    expect(bad).toEqual([]);
  });

  it('has a realistic spread: some genes without evidence, at most 7 sources, long-tailed publication counts', async () => {
    const { rows } = await a.pool.query<{ zero: number; max: number; p50: number; pmax: number }>(
      `select (select count(*)::int from genes g where not exists (select 1 from gene_evidence e where e.gene_id = g.id)) as zero,
              (select max(n)::int from (select count(*) as n from gene_evidence group by gene_id) s) as max,
              (select percentile_disc(0.5) within group (order by (evidence_data->>'publication_count')::int)
                 from gene_evidence where source_name = 'PubTator') as p50,
              (select max((evidence_data->>'publication_count')::int) from gene_evidence where source_name = 'PubTator') as pmax`,
    );
    const stats = rows[0];
    expect(stats?.zero).toBe(10); // 2.5 % of 400
    expect(stats?.max).toBe(7);
    expect(stats?.pmax).toBeGreaterThan(50 * (stats?.p50 ?? 0));
  });

  it('keeps every index definition and moves the id sequences past the demo rows', async () => {
    expect(await indexDefs(a.pool)).toEqual(indexesBefore);
    const { rows } = await a.pool.query<{ id: number }>(
      `insert into genes (approved_symbol) values ('NEWGENE') returning id`,
    );
    expect(rows[0]?.id).toBe(OPTIONS.genes + 1);
    await a.pool.query(`delete from genes where approved_symbol = 'NEWGENE'`);
  });

  it('logs reference demo users and lie within the 30 days before now', async () => {
    const { rows } = await a.pool.query<{ users: number; first: Date; last: Date; paths: number }>(
      `select count(distinct user_id)::int as users, min(timestamp) as first, max(timestamp) as last,
              count(*) filter (where path is not null)::int as paths from system_logs`,
    );
    const now = OPTIONS.now?.getTime() ?? 0;
    expect(rows[0]?.users).toBeGreaterThan(1);
    expect(rows[0]?.first.getTime()).toBeGreaterThanOrEqual(now - 30 * 86_400_000);
    expect(rows[0]?.last.getTime()).toBeLessThan(now);
    expect(rows[0]?.paths).toBeGreaterThan(0.85 * OPTIONS.logs);
  });

  it('refuses a database with genes unless replacing, and writes nothing', async () => {
    const before = await fingerprints(a.pool);
    const err = await seedDemo(a.pool, { ...OPTIONS, seed: 99 }).catch((raw: unknown) => raw);
    expect(err).toBeInstanceOf(KgdbError);
    expect((err as KgdbError).code).toBe('CONFLICT');
    expect((err as KgdbError).message).toMatchInlineSnapshot(
      `"The database already has 400 genes from an earlier demo seed; pass --replace to delete all genes, evidence and logs and seed again"`,
    );
    expect(await fingerprints(a.pool)).toEqual(before);
  });

  it('rejects more evidence than 7 × genes before touching the database', async () => {
    const before = await fingerprints(a.pool);
    await expect(replaceDemo(a.pool, { ...OPTIONS, evidence: OPTIONS.genes * 7 + 1 })).rejects.toMatchObject({
      code: 'INVALID_PARAMETER',
      parameter: 'evidence',
    });
    expect(await fingerprints(a.pool)).toEqual(before);
  });

  it('--replace empties genes, logs and demo users first and keeps real accounts', async () => {
    await a.pool.query(
      `insert into users (email, username, hashed_password, role) values ('real@example.org', 'real', 'x', 'admin')`,
    );
    const summary = await replaceDemo(a.pool, { ...OPTIONS, genes: 150, evidence: 1_050, logs: 500 });
    expect(summary).toMatchObject({ genes: 150, evidence: 1_050, logs: 500, users: 4 });
    expect(await count(a.pool, 'genes')).toBe(150);
    expect(await count(a.pool, 'gene_evidence')).toBe(1_050);
    expect(await count(a.pool, 'system_logs')).toBe(500);
    expect(await count(a.pool, 'users')).toBe(5);
    const { rows } = await a.pool.query<{ min: number }>('select min(id)::int as min from genes');
    expect(rows[0]?.min).toBe(1);
  });
});
