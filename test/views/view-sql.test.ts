import { describe, expect, it } from 'vitest';
import type { ViewDef } from '../../src/views/view-def.js';
import {
  createIndexSql,
  createViewSql,
  isAppendOnly,
  viewBody,
  viewVersion,
} from '../../src/views/view-sql.js';

const base: ViewDef = {
  name: 'gene_scores',
  kind: 'materialized',
  sql: 'select 1::bigint as gene_id;\n',
  dependsOn: [],
  indexes: [{ name: 'gene_scores_gene_id_key', columns: ['gene_id'], unique: true }],
  refresh: { concurrently: true },
};

describe('view versions', () => {
  it('change with the SQL, kind and indexes, not with dependsOn or refresh policy', () => {
    const v = viewVersion(base);
    expect(viewVersion({ ...base, dependsOn: ['genes'], refresh: { concurrently: false } })).toBe(v);
    expect(viewVersion({ ...base, sql: 'select 2::bigint as gene_id' })).not.toBe(v);
    expect(viewVersion({ ...base, indexes: [] })).not.toBe(v);
    expect(viewVersion({ ...base, kind: 'view', indexes: undefined })).not.toBe(
      viewVersion({ ...base, indexes: undefined }),
    );
  });
});

describe('DDL builders', () => {
  it('strip a trailing semicolon and quote names', () => {
    expect(viewBody(base)).toBe('select 1::bigint as gene_id');
    expect(createViewSql(base)).toBe(
      'create materialized view "gene_scores" as\nselect 1::bigint as gene_id\nwith data',
    );
    expect(createViewSql({ ...base, kind: 'view' }, true)).toBe(
      'create or replace view "gene_scores" as\nselect 1::bigint as gene_id',
    );
  });

  it('pass index elements through as SQL', () => {
    expect(
      createIndexSql('gene_scores', {
        name: 'gs_order',
        columns: ['percentage_score desc nulls last', 'gene_id'],
      }),
    ).toBe(
      'create index "gs_order" on "gene_scores" using btree (percentage_score desc nulls last, gene_id)',
    );
  });
});

describe('CREATE OR REPLACE VIEW safety', () => {
  const col = (name: string, typeOid = 25, typmod = -1) => ({ name, typeOid, typmod });
  it('allows appending columns only', () => {
    expect(isAppendOnly([col('a'), col('b')], [col('a'), col('b')])).toBe(true);
    expect(isAppendOnly([col('a'), col('b')], [col('a'), col('b'), col('c')])).toBe(true);
  });
  it('refuses removed, renamed, reordered and retyped columns', () => {
    expect(isAppendOnly([col('a'), col('b')], [col('a')])).toBe(false);
    expect(isAppendOnly([col('a'), col('b')], [col('a'), col('c')])).toBe(false);
    expect(isAppendOnly([col('a'), col('b')], [col('b'), col('a')])).toBe(false);
    expect(isAppendOnly([col('a', 20)], [col('a', 701)])).toBe(false);
    expect(isAppendOnly([col('a', 1700, 655366)], [col('a', 1700, -1)])).toBe(false);
  });
});
