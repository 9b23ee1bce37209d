import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VIEWS } from '../../src/views/defs/index.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { createViews, refreshMaterializedViews } from '../helpers/views.js';

// Every declared view (docs/data-model.md) exists with the expected columns and types, its declared dependencies are
// exactly what the catalog records, and the matviews can refresh concurrently.

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
  await createViews(db.pool);
});
afterAll(async () => {
  await db.drop();
});

const EVIDENCE_KEYS = {
  evidence_id: 'bigint',
  gene_id: 'bigint',
  approved_symbol: 'text',
  source_name: 'text',
};

/** One expectation table per view: column → format_type(), in column order. */
const EXPECTED_COLUMNS: Record<string, Record<string, string>> = {
  evidence_source_counts: { ...EVIDENCE_KEYS, source_count: 'bigint' },
  evidence_classification_weights: { ...EVIDENCE_KEYS, classification_weight: 'double precision' },
  evidence_count_percentiles: {
    ...EVIDENCE_KEYS,
    source_count: 'bigint',
    percentile_score: 'double precision',
  },
  evidence_normalized_scores: { ...EVIDENCE_KEYS, normalized_score: 'double precision' },
  combined_evidence_scores: {
    ...EVIDENCE_KEYS,
    display_name: 'text',
    normalized_score: 'double precision',
    source_type: 'text',
  },
  evidence_summary_view: {
    id: 'bigint',
    gene_id: 'bigint',
    approved_symbol: 'text',
    hgnc_id: 'text',
    source_name: 'text',
    source_detail: 'text',
    evidence_data: 'jsonb',
    evidence_date: 'date',
    normalized_score: 'double precision',
    classification: 'text',
    last_curated: 'timestamp with time zone',
    created_at: 'timestamp with time zone',
    updated_at: 'timestamp with time zone',
  },
  gene_scores: {
    gene_id: 'bigint',
    approved_symbol: 'text',
    hgnc_id: 'text',
    aliases: 'text[]',
    created_at: 'timestamp with time zone',
    updated_at: 'timestamp with time zone',
    source_count: 'bigint',
    evidence_count: 'bigint',
    raw_score: 'double precision',
    percentage_score: 'double precision',
    source_scores: 'jsonb',
    total_active_sources: 'bigint',
    evidence_tier: 'text',
    evidence_group: 'text',
    sources: 'text[]',
    tier_order: 'integer',
    group_order: 'integer',
  },
  gene_list_detailed: {
    gene_id: 'bigint',
    hgnc_id: 'text',
    gene_symbol: 'text',
    alias_symbols: 'text[]',
    total_score: 'double precision',
    percentage_score: 'double precision',
    classification: 'text',
    source_count: 'bigint',
    sources: 'text[]',
    annotation_count: 'bigint',
    annotation_sources: 'text[]',
    created_at: 'timestamp with time zone',
    updated_at: 'timestamp with time zone',
    evidence_score: 'double precision',
    evidence_count: 'bigint',
    evidence_tier: 'text',
    evidence_group: 'text',
    tier_order: 'integer',
    group_order: 'integer',
  },
  gene_list_stats: {
    id: 'integer',
    total_genes: 'bigint',
    scored_genes: 'bigint',
    nonzero_score_genes: 'bigint',
    hidden_zero_scores: 'bigint',
    total_active_sources: 'bigint',
    min_percentage_score: 'double precision',
    max_percentage_score: 'double precision',
    min_evidence_count: 'bigint',
    max_evidence_count: 'bigint',
    available_sources: 'text[]',
    evidence_tiers: 'jsonb',
  },
  gene_list_ranges: {
    dimension: 'text',
    value: 'double precision',
    below: 'bigint',
    upto: 'bigint',
  },
  gene_list_facets: {
    facet: 'text',
    name: 'text',
    genes: 'bigint',
    nonzero_genes: 'bigint',
  },
  admin_logs_filtered: {
    id: 'bigint',
    timestamp: 'timestamp with time zone',
    level: 'text',
    logger: 'text',
    message: 'text',
    context: 'jsonb',
    request_id: 'text',
    ip_address: 'text',
    user_agent: 'text',
    path: 'text',
    method: 'text',
    user_id: 'bigint',
    user_email: 'text',
    status_code: 'integer',
    duration_ms: 'double precision',
    error_type: 'text',
    error_message: 'text',
    stack_trace: 'text',
    action: 'text',
    endpoint: 'text',
    status_category: 'text',
    log_date: 'date',
    log_hour: 'integer',
  },
  genes_current: {
    id: 'bigint',
    hgnc_id: 'text',
    approved_symbol: 'text',
    aliases: 'text[]',
    valid_from: 'timestamp with time zone',
    valid_to: 'timestamp with time zone',
    created_at: 'timestamp with time zone',
    updated_at: 'timestamp with time zone',
  },
  source_overlap_statistics: {
    source1: 'text',
    source2: 'text',
    overlap_count: 'bigint',
    source1_total: 'bigint',
    source2_total: 'bigint',
    overlap_percentage: 'double precision',
  },
  source_distribution_items: {
    gene_id: 'bigint',
    source_name: 'text',
    category: 'text',
    item_count: 'bigint',
    row_key: 'text',
  },
};

async function columnsOf(relation: string): Promise<Record<string, string>> {
  const { rows } = await db.pool.query<{ attname: string; type: string }>(
    `select a.attname, format_type(a.atttypid, a.atttypmod) as type
       from pg_attribute a
      where a.attrelid = $1::regclass and a.attnum > 0 and not a.attisdropped
      order by a.attnum`,
    [relation],
  );
  return Object.fromEntries(rows.map((r) => [r.attname, r.type]));
}

describe('view definitions', () => {
  it("declares upstream's 11 views plus the list's facts (stats, ranges, facets), and nothing else", () => {
    expect(VIEWS.map((v) => v.name).sort()).toEqual(Object.keys(EXPECTED_COLUMNS).sort());
  });

  it.each(Object.entries(EXPECTED_COLUMNS))(
    '%s has the expected columns, in order, with stable types',
    async (name, expected) => {
      const actual = await columnsOf(name);
      expect(Object.entries(actual)).toEqual(Object.entries(expected));
    },
  );

  it('kinds: gene_scores, source_overlap_statistics and the list facts are materialized, the rest plain views', async () => {
    const { rows } = await db.pool.query<{ relname: string; relkind: string }>(
      `select c.relname, c.relkind from pg_class c where c.relname = any($1::text[])`,
      [VIEWS.map((v) => v.name)],
    );
    const kinds = Object.fromEntries(
      rows.map((r) => [r.relname, r.relkind === 'm' ? 'materialized' : 'view']),
    );
    expect(kinds).toEqual(Object.fromEntries(VIEWS.map((v) => [v.name, v.kind])));
  });

  it('dependsOn is exactly the set of relations each view reads (as pg_depend records it)', async () => {
    const { rows } = await db.pool.query<{ view: string; deps: string[] }>(
      `select v.relname as view, array_agg(distinct d.refobjid::regclass::text order by d.refobjid::regclass::text) as deps
         from pg_class v
         join pg_rewrite r on r.ev_class = v.oid
         join pg_depend d on d.classid = 'pg_rewrite'::regclass and d.objid = r.oid
                         and d.refclassid = 'pg_class'::regclass and d.refobjid <> v.oid
        where v.relname = any($1::text[])
        group by v.relname`,
      [VIEWS.map((v) => v.name)],
    );
    const actual = Object.fromEntries(rows.map((r) => [r.view, r.deps]));
    expect(actual).toEqual(Object.fromEntries(VIEWS.map((v) => [v.name, [...v.dependsOn].sort()])));
  });

  it('VIEWS is in dependency order: each entry depends only on tables and earlier entries', () => {
    const names = new Set(VIEWS.map((v) => v.name));
    VIEWS.forEach((view, i) => {
      const earlier = new Set(VIEWS.slice(0, i).map((v) => v.name));
      for (const dep of view.dependsOn)
        if (names.has(dep)) expect(earlier.has(dep), `${view.name} → ${dep}`).toBe(true);
    });
  });

  it('matviews carry their unique indexes and refresh CONCURRENTLY', async () => {
    const { rows } = await db.pool.query<{ indexdef: string }>(
      `select indexdef from pg_indexes where tablename = any($1::text[]) and indexdef like 'CREATE UNIQUE%' order by 1`,
      [
        [
          'gene_scores',
          'source_overlap_statistics',
          'gene_list_stats',
          'gene_list_ranges',
          'gene_list_facets',
        ],
      ],
    );
    expect(rows.map((r) => r.indexdef.replace(/ ON public\./, ' ON '))).toEqual([
      'CREATE UNIQUE INDEX gene_list_facets_key ON gene_list_facets USING btree (facet, name)',
      'CREATE UNIQUE INDEX gene_list_ranges_key ON gene_list_ranges USING btree (dimension, value)',
      'CREATE UNIQUE INDEX gene_list_stats_id_key ON gene_list_stats USING btree (id)',
      'CREATE UNIQUE INDEX gene_scores_gene_id_key ON gene_scores USING btree (gene_id NULLS FIRST)',
      'CREATE UNIQUE INDEX source_overlap_statistics_pair_key ON source_overlap_statistics USING btree (source1, source2)',
    ]);
    for (const view of VIEWS) {
      if (view.kind === 'materialized') expect(view.refresh, view.name).toEqual({ concurrently: true });
    }
    await expect(refreshMaterializedViews(db.pool)).resolves.toBeUndefined();
  });
});
