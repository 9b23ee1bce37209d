import { describe, expect, it } from 'vitest';
import {
  baseTableClosure,
  buildRegistry,
  concurrentRefreshProblems,
  findCycle,
  isConcurrentRefreshIndex,
  topoOrder,
} from '../../src/views/registry.js';
import type { ViewDef } from '../../src/views/view-def.js';

const view = (name: string, dependsOn: string[], extra: Partial<ViewDef> = {}): ViewDef => ({
  name,
  kind: 'view',
  sql: `select 1 as x`,
  dependsOn,
  ...extra,
});

const matview = (name: string, dependsOn: string[], extra: Partial<ViewDef> = {}): ViewDef =>
  view(name, dependsOn, { kind: 'materialized', ...extra });

describe('view registry: cycles', () => {
  it('names the cycle as a closed path in dependency direction', () => {
    const views = [view('a', ['b']), view('b', ['c']), view('c', ['a', 'genes']), view('d', [])];
    expect(findCycle(views)).toEqual(['a', 'b', 'c', 'a']);
    expect(() => buildRegistry(views)).toThrowErrorMatchingInlineSnapshot(`
      [KgdbError: Invalid view registry:
      - dependency cycle: a → b → c → a]
    `);
  });

  it('reports a view reading itself', () => {
    expect(() => buildRegistry([view('a', ['a'])])).toThrow('dependency cycle: a → a');
  });

  it('finds no cycle in a diamond', () => {
    expect(
      findCycle([view('top', ['l', 'r']), view('l', ['base']), view('r', ['base']), view('base', ['t'])]),
    ).toBe(undefined);
  });
});

describe('view registry: order and closures', () => {
  const views = [
    view('scores', ['percentiles', 'weights']),
    view('percentiles', ['counts']),
    view('counts', ['gene_evidence', 'genes']),
    view('weights', ['gene_evidence']),
    matview('gene_scores', ['scores', 'genes']),
    view('list', ['gene_scores', 'genes', 'gene_annotations']),
    view('logs', ['system_logs']),
  ];

  it('orders dependencies first and otherwise keeps declaration order', () => {
    expect(topoOrder(views).map((v) => v.name)).toEqual([
      'counts',
      'percentiles',
      'weights',
      'scores',
      'gene_scores',
      'list',
      'logs',
    ]);
  });

  it('computes the base tables each view reads transitively', () => {
    const closure = baseTableClosure(views);
    expect(closure.get('gene_scores')).toEqual(['gene_evidence', 'genes']);
    expect(closure.get('list')).toEqual(['gene_annotations', 'gene_evidence', 'genes']);
    expect(closure.get('logs')).toEqual(['system_logs']);
  });

  it('knows dependents and ancestors through the graph', () => {
    const r = buildRegistry(views);
    expect(r.baseTables).toEqual(['gene_annotations', 'gene_evidence', 'genes', 'system_logs']);
    expect(r.dependentsOf('counts')).toEqual(['percentiles', 'scores', 'gene_scores', 'list']);
    expect(r.dependentsOf('gene_evidence')).toEqual([
      'counts',
      'percentiles',
      'weights',
      'scores',
      'gene_scores',
      'list',
    ]);
    expect(r.ancestorsOf('gene_scores')).toEqual(['counts', 'percentiles', 'weights', 'scores']);
    expect(r.baseTablesOf('weights')).toEqual(['gene_evidence']);
  });

  it('rejects duplicates and indexes on plain views, listing every problem', () => {
    expect(() =>
      buildRegistry([
        view('a', []),
        view('a', []),
        view('b', [], { indexes: [{ name: 'b_idx', columns: ['x'] }] }),
        view('Bad-Name', []),
      ]),
    ).toThrowErrorMatchingInlineSnapshot(`
      [KgdbError: Invalid view registry:
      - a: declared more than once
      - b: indexes and refresh policy apply to materialized views only
      - Bad-Name: name must match /^[a-z_][a-z0-9_]*$/]
    `);
  });
});

describe('view registry: concurrent refresh needs a usable unique index', () => {
  it('accepts a unique index on plain columns, with ordering', () => {
    expect(isConcurrentRefreshIndex({ name: 'k', columns: ['gene_id'], unique: true })).toBe(true);
    expect(isConcurrentRefreshIndex({ name: 'k', columns: ['a', 'b desc nulls last'], unique: true })).toBe(
      true,
    );
  });

  it('rejects non-unique, partial and expression indexes', () => {
    expect(isConcurrentRefreshIndex({ name: 'k', columns: ['gene_id'] })).toBe(false);
    expect(isConcurrentRefreshIndex({ name: 'k', columns: ['gene_id'], unique: true, where: 'x > 0' })).toBe(
      false,
    );
    expect(isConcurrentRefreshIndex({ name: 'k', columns: ['(lower(sym))'], unique: true })).toBe(false);
  });

  it('fails the registry before any DDL, naming the view and its indexes', () => {
    const views = [
      matview('ok', ['t'], {
        indexes: [{ name: 'ok_key', columns: ['id'], unique: true }],
        refresh: { concurrently: true },
      }),
      matview('partial', ['t'], {
        indexes: [{ name: 'partial_key', columns: ['id'], unique: true, where: 'id > 0' }],
        refresh: { concurrently: true },
      }),
      matview('bare', ['t'], { refresh: { concurrently: true } }),
      matview('plain_refresh', ['t'], { refresh: { concurrently: false } }),
    ];
    expect(concurrentRefreshProblems(views)).toEqual([
      'partial: refresh.concurrently needs a UNIQUE index on plain columns without WHERE (has: partial_key)',
      'bare: refresh.concurrently needs a UNIQUE index on plain columns without WHERE (has: no indexes)',
    ]);
    expect(() => buildRegistry(views)).toThrow(/partial: refresh\.concurrently/);
  });
});
