import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyViews } from '../../src/views/apply.js';
import { viewStatus } from '../../src/views/status.js';
import type { ViewDef } from '../../src/views/view-def.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

// A chain of four plain views and a matview between them: t_evidence → v_base → v_mid → v_top → mv_scores → v_list.
const base = (withLegacy: boolean): ViewDef => ({
  name: 'v_base',
  kind: 'view',
  dependsOn: ['t_evidence'],
  sql: `select e.id::bigint as id, e.gene_id::bigint as gene_id, e.source::text as source, e.n::bigint as n
               ${withLegacy ? ', e.source::text as legacy' : ''}
          from t_evidence e`,
});
const mid = (factor = 2): ViewDef => ({
  name: 'v_mid',
  kind: 'view',
  dependsOn: ['v_base'],
  sql: `select b.id, b.gene_id, b.source, (b.n * ${factor})::bigint as n2 from v_base b`,
});
const top: ViewDef = {
  name: 'v_top',
  kind: 'view',
  dependsOn: ['v_mid'],
  sql: 'select m.gene_id, sum(m.n2)::bigint as total, count(*)::bigint as sources from v_mid m group by m.gene_id',
};
const scores: ViewDef = {
  name: 'mv_scores',
  kind: 'materialized',
  dependsOn: ['v_top', 't_genes'],
  sql: 'select t.gene_id, g.sym, t.total from v_top t join t_genes g on g.id = t.gene_id',
  indexes: [
    { name: 'mv_scores_gene_id_key', columns: ['gene_id'], unique: true },
    { name: 'mv_scores_total_idx', columns: ['total desc nulls last', 'gene_id'] },
  ],
  refresh: { concurrently: true },
};
const list: ViewDef = {
  name: 'v_list',
  kind: 'view',
  dependsOn: ['mv_scores'],
  sql: 'select s.gene_id, s.sym, s.total from mv_scores s',
};
const v1 = [base(true), mid(), top, scores, list];
const v2 = [base(false), mid(), top, scores, list];

let db: TestDatabase;

const q = async <T = Record<string, unknown>>(sql: string, values: unknown[] = []) =>
  (await db.pool.query(sql, values)).rows as T[];
/** DDL the server saw since the last call: an event trigger logs every command tag with its transaction. */
const ddlSeen = async () => {
  const rows = await q<{ tag: string; txid: string }>('select tag, txid::text from ddl_log order by id');
  await q('truncate ddl_log');
  return rows;
};
const definitions = async () =>
  q<{ name: string; def: string }>(
    `select c.relname as name, pg_get_viewdef(c.oid) as def from pg_class c
      where c.relkind in ('v', 'm') and c.relname like any ('{v\\_%,mv\\_%,rogue}') order by 1`,
  );
const scoreRows = () => q('select gene_id, sym, total from mv_scores order by gene_id');

beforeAll(async () => {
  db = await createTestDatabase();
  // The template carries kgdb's own views; these scenarios start from a registry that manages nothing.
  await applyViews(db.pool, [], { prune: true });
  await q(`create table t_genes (id bigint primary key, sym text not null)`);
  await q(
    `create table t_evidence (id bigint primary key, gene_id bigint not null references t_genes, source text, n int)`,
  );
  await q(`insert into t_genes values (1, 'PKD1'), (2, 'PKD2'), (3, 'COL4A5')`);
  await q(
    `insert into t_evidence values (1, 1, 'HPO', 3), (2, 1, 'GenCC', 1), (3, 2, 'HPO', 5), (4, 3, 'PanelApp', 2)`,
  );
  await q(`create table ddl_log (id bigserial primary key, tag text, txid bigint)`);
  await q(`create function log_ddl() returns event_trigger language plpgsql as $$
             begin insert into ddl_log (tag, txid) values (tg_tag, txid_current()); end $$`);
  await q(`create event trigger log_ddl on ddl_command_start execute function log_ddl()`);
  await ddlSeen();
});
afterAll(async () => {
  await db?.drop();
});

describe('applyViews', () => {
  it('creates missing views in dependency order, matviews populated with their indexes and triggers on base tables', async () => {
    const report = await applyViews(db.pool, [list, scores, top, mid(), base(true)]);
    expect(report.created).toEqual(['v_base', 'v_mid', 'v_top', 'mv_scores', 'v_list']);
    expect(report.triggersAdded).toEqual(['t_evidence', 't_genes']);
    expect(await scoreRows()).toEqual([
      { gene_id: 1, sym: 'PKD1', total: 8 },
      { gene_id: 2, sym: 'PKD2', total: 10 },
      { gene_id: 3, sym: 'COL4A5', total: 4 },
    ]);
    expect((await viewStatus(db.pool, v1)).ok).toBe(true);
  });

  it('applying an unchanged database executes no DDL at all', async () => {
    await ddlSeen();
    const report = await applyViews(db.pool, v1);
    expect(report.ddl).toEqual([]);
    expect(await ddlSeen()).toEqual([]);
  });

  it('a base view dropping a column recreates the chain in one transaction, keeping index and rows', async () => {
    const before = await scoreRows();
    const report = await applyViews(db.pool, v2);
    expect(report.replaced).toEqual([]);
    expect(report.recreated).toEqual(['v_base', 'v_mid', 'v_top', 'mv_scores', 'v_list']);
    const seen = await ddlSeen();
    expect(new Set(seen.map((r) => r.txid)).size).toBe(1);
    expect(seen.map((r) => r.tag)).toEqual([
      'DROP VIEW', // v_list, read from the catalog, dependents first
      'DROP MATERIALIZED VIEW',
      'DROP VIEW',
      'DROP VIEW',
      'DROP VIEW', // v_base
      'CREATE VIEW',
      'CREATE VIEW',
      'CREATE VIEW',
      'CREATE MATERIALIZED VIEW',
      'CREATE INDEX',
      'CREATE INDEX',
      'CREATE VIEW',
    ]);
    expect(await scoreRows()).toEqual(before);
    const indexes = await q<{ indexname: string; indexdef: string }>(
      `select indexname, indexdef from pg_indexes where tablename = 'mv_scores' order by 1`,
    );
    expect(indexes.map((i) => i.indexname)).toEqual(['mv_scores_gene_id_key', 'mv_scores_total_idx']);
    expect(indexes[0]?.indexdef).toContain('CREATE UNIQUE INDEX');

    const again = await applyViews(db.pool, v2);
    expect(again.ddl).toEqual([]);
    expect(await ddlSeen()).toEqual([]);
  });

  it('appending a column replaces in place and repopulates the matviews reading it', async () => {
    const widened: ViewDef = {
      ...top,
      sql: `${top.sql.replace(' from v_mid', ', max(m.id)::bigint as last_id from v_mid')}`,
    };
    await q(`insert into t_evidence values (5, 3, 'HPO', 1)`);
    const report = await applyViews(db.pool, [base(false), mid(), widened, scores, list]);
    expect(report).toMatchObject({ replaced: ['v_top'], recreated: [], refreshed: ['mv_scores'] });
    expect(await ddlSeen()).toEqual([
      { tag: 'CREATE VIEW', txid: expect.any(String) },
      { tag: 'REFRESH MATERIALIZED VIEW', txid: expect.any(String) },
    ]);
    expect((await scoreRows()).find((r) => r.gene_id === 3)).toEqual({ gene_id: 3, sym: 'COL4A5', total: 6 });
    // Back to the narrower v_top: that removes a column, so the chain from v_top down is recreated.
    expect((await applyViews(db.pool, v2)).recreated).toEqual(['v_top', 'mv_scores', 'v_list']);
    await ddlSeen();
  });

  it('a failing view in the middle leaves definitions, data and the registry as they were', async () => {
    const defsBefore = await definitions();
    const rowsBefore = await scoreRows();
    const registryBefore = await q('select name, version, definition from kgdb_view_registry order by name');
    const broken: ViewDef = { ...top, sql: 'select m.gene_id, m.no_such_column from v_mid m' };
    await expect(applyViews(db.pool, [base(true), mid(), broken, scores, list])).rejects.toThrow(
      'column m.no_such_column does not exist',
    );
    expect(await definitions()).toEqual(defsBefore);
    expect(await scoreRows()).toEqual(rowsBefore);
    expect(await q('select name, version, definition from kgdb_view_registry order by name')).toEqual(
      registryBefore,
    );
    expect(await q(`select indexname from pg_indexes where tablename = 'mv_scores' order by 1`)).toHaveLength(
      2,
    );
    expect((await viewStatus(db.pool, v2)).ok).toBe(true);
    await ddlSeen();
  });

  it('a view the registry does not know, reading one that must be dropped, stops the apply unless cascade', async () => {
    expect((await applyViews(db.pool, v1)).replaced).toEqual(['v_base']); // appends `legacy` in place
    await q('create view rogue as select l.gene_id from v_list l');
    await expect(applyViews(db.pool, v2)).rejects.toThrowErrorMatchingInlineSnapshot(
      `[KgdbError: Cannot drop v_base: the catalog shows view rogue reading it, and the view registry does not declare it. Declare it, or apply with --cascade to drop it.]`,
    );
    expect((await definitions()).map((d) => d.name)).toContain('rogue');
    const report = await applyViews(db.pool, v2, { cascade: true });
    expect(report.dropped).toEqual(['rogue']);
    expect(report.recreated).toEqual(['v_base', 'v_mid', 'v_top', 'mv_scores', 'v_list']);
    expect((await definitions()).map((d) => d.name)).not.toContain('rogue');
    await ddlSeen();
  });

  it('detects a definition changed behind its back and fixes it by replacing', async () => {
    await q(
      'create or replace view v_mid as select b.id, b.gene_id, b.source, (b.n * 3)::bigint as n2 from v_base b',
    );
    const status = await viewStatus(db.pool, v2);
    expect(status.ok).toBe(false);
    expect(status.views.find((v) => v.name === 'v_mid')?.state).toBe('drifted');
    expect(status.views.filter((v) => v.state !== 'in_sync').map((v) => v.name)).toEqual(['v_mid']);
    const report = await applyViews(db.pool, v2);
    expect(report).toMatchObject({ drifted: ['v_mid'], replaced: ['v_mid'], refreshed: ['mv_scores'] });
    expect((await viewStatus(db.pool, v2)).ok).toBe(true);
    expect((await scoreRows()).find((r) => r.gene_id === 1)?.total).toBe(8);
  });

  it('reports a changed declaration as outdated and a dropped view as missing', async () => {
    await q('drop view v_list');
    const status = await viewStatus(db.pool, [base(false), mid(5), top, scores, list]);
    expect(status.views.map((v) => [v.name, v.state])).toEqual([
      ['v_base', 'in_sync'],
      ['v_mid', 'outdated'],
      ['v_top', 'in_sync'],
      ['mv_scores', 'in_sync'],
      ['v_list', 'missing'],
    ]);
    expect(status.views.find((v) => v.name === 'mv_scores')).toMatchObject({
      rowCount: 3,
      lastOutcome: 'refreshed',
    });
    expect((await applyViews(db.pool, v2)).created).toEqual(['v_list']);
  });

  it('compares declared dependencies with the catalog, naming each wrong edge, and changes nothing', async () => {
    await ddlSeen();
    const undeclared: ViewDef = { ...top, sql: `${top.sql} having min(m.id) > 0`, dependsOn: [] };
    const extra: ViewDef = {
      ...list,
      sql: `${list.sql} where s.total >= 0`,
      dependsOn: ['mv_scores', 't_genes'],
    };
    await expect(
      applyViews(db.pool, [base(false), mid(), undeclared, scores, extra]),
    ).rejects.toThrowErrorMatchingInlineSnapshot(`
      [KgdbError: View dependencies differ from the catalog:
      - v_top depends on v_mid in the catalog but does not declare it
      - v_list declares a dependency on t_genes that the catalog does not have]
    `);
    expect((await viewStatus(db.pool, v2)).ok).toBe(true);
  });

  it('refuses a concurrent-refresh matview without a usable unique index before any DDL', async () => {
    await ddlSeen();
    const bad: ViewDef = { ...scores, indexes: [{ name: 'mv_scores_total_idx', columns: ['total'] }] };
    await expect(applyViews(db.pool, [base(false), mid(), top, bad, list])).rejects.toThrow(
      'mv_scores: refresh.concurrently needs a UNIQUE index on plain columns without WHERE (has: mv_scores_total_idx)',
    );
    expect(await ddlSeen()).toEqual([]);
  });

  it('prunes views it created and no longer declares only when asked', async () => {
    const kept = await applyViews(db.pool, [base(false), mid(), top, scores]);
    expect(kept.ddl).toEqual([]);
    expect((await viewStatus(db.pool, [base(false), mid(), top, scores])).undeclared).toEqual(['v_list']);
    const pruned = await applyViews(db.pool, [base(false), mid(), top, scores], { prune: true });
    expect(pruned.dropped).toEqual(['v_list']);
    expect(await q(`select name from kgdb_view_registry where name = 'v_list'`)).toEqual([]);
    expect((await definitions()).map((d) => d.name)).not.toContain('v_list');
  });

  it('moves the change triggers with the base tables the views read', async () => {
    const report = await applyViews(db.pool, [base(false)], { prune: true });
    expect(report.dropped).toEqual(['mv_scores', 'v_top', 'v_mid']);
    expect(report.triggersRemoved).toEqual(['t_genes']);
  });
});
