import { beforeEach, describe, expect, it } from 'vitest';
import { insertGenes, refreshMaterializedViews, useEmptyDatabase } from '../helpers/views.js';

// gene_list_detailed (docs/data-model.md), and the plans the list API depends on.

const db = useEmptyDatabase();

/** gene_list_detailed's upstream columns written literally: every gene LEFT JOIN gene_scores. */
const LITERAL_LEFT_JOIN = `
  select g.id as gene_id, g.hgnc_id, g.approved_symbol as gene_symbol, g.aliases as alias_symbols,
         coalesce(s.raw_score, 0)::float8 as total_score, coalesce(s.percentage_score, 0)::float8 as percentage_score,
         case when s.percentage_score >= 80 then 'High' when s.percentage_score >= 50 then 'Medium'
              when s.percentage_score >= 20 then 'Low' else 'Unknown' end as classification,
         coalesce(s.source_count, 0)::bigint as source_count, coalesce(s.sources, '{}') as sources,
         (select count(*) from gene_annotations a where a.gene_id = g.id) as annotation_count,
         coalesce((select array_agg(a.source order by a.source) from gene_annotations a where a.gene_id = g.id), '{}')
           as annotation_sources,
         g.created_at, g.updated_at
    from genes g left join gene_scores s on s.gene_id = g.id
   order by g.id`;

const UPSTREAM_COLUMNS = `gene_id, hgnc_id, gene_symbol, alias_symbols, total_score, percentage_score, classification,
  source_count, sources, annotation_count, annotation_sources, created_at, updated_at`;

describe('gene_list_detailed', () => {
  it('genes without a score appear once with zeros, Unknown, no sources; scored genes carry gene_scores', async () => {
    const ids = await insertGenes(db.pool, [
      {
        symbol: 'PKD2',
        hgncId: 'HGNC:9009',
        aliases: ['PKD4'],
        evidence: { ClinGen: { classifications: ['Definitive'] }, GenCC: { classifications: ['Strong'] } },
        annotations: ['hgnc', 'gnomad'],
      },
      { symbol: 'NONE', annotations: ['hgnc'] },
      { symbol: 'ZERO_ONLY', evidence: { PanelApp: { panels: [] } } },
    ]);
    await refreshMaterializedViews(db.pool);
    const { rows } = await db.pool.query(
      `select ${UPSTREAM_COLUMNS}, evidence_score, evidence_count, evidence_tier, evidence_group, tier_order, group_order
         from gene_list_detailed order by gene_id`,
    );
    const common = { created_at: expect.any(Date), updated_at: expect.any(Date) };
    expect(rows).toEqual([
      {
        ...common,
        gene_id: ids.get('PKD2'),
        hgnc_id: 'HGNC:9009',
        gene_symbol: 'PKD2',
        alias_symbols: ['PKD4'],
        total_score: 1.8, // N = 2: ClinGen 1.0 + GenCC 0.8
        percentage_score: 90, // 1.8 / 2 × 100
        classification: 'High',
        source_count: 2,
        sources: ['ClinGen', 'GenCC'],
        annotation_count: 2,
        annotation_sources: ['gnomad', 'hgnc'],
        evidence_score: 90,
        evidence_count: 2,
        evidence_tier: 'established_support',
        evidence_group: 'well_supported',
        tier_order: 3,
        group_order: 1,
      },
      ...['NONE', 'ZERO_ONLY'].map((symbol) => ({
        ...common,
        gene_id: ids.get(symbol),
        hgnc_id: null,
        gene_symbol: symbol,
        alias_symbols: [],
        total_score: 0,
        percentage_score: 0,
        classification: 'Unknown',
        source_count: 0,
        sources: [],
        annotation_count: symbol === 'NONE' ? 1 : 0,
        annotation_sources: symbol === 'NONE' ? ['hgnc'] : [],
        evidence_score: null,
        evidence_count: 0,
        evidence_tier: null,
        evidence_group: null,
        tier_order: 999,
        group_order: 999,
      })),
    ]);
    const scored = await db.pool.query('select gene_id from gene_scores');
    expect(scored.rows).toEqual([{ gene_id: ids.get('PKD2') }]);
  });

  it('classification High ≥ 80, Medium ≥ 50, Low ≥ 20, else Unknown', async () => {
    // N = 2 (ClinGen, GenCC) → pct = 50 × (sum of weights), summed ClinGen first
    const cases: Array<[string, string[], string[], number, string]> = [
      ['HIGH_80', ['Strong'], ['Strong'], 80, 'High'],
      ['HIGH_100', ['Definitive'], ['Definitive'], 100, 'High'],
      ['MEDIUM_75', ['Definitive'], ['Supportive'], 75, 'Medium'],
      ['MEDIUM_50', ['Definitive'], [], 50, 'Medium'],
      ['LOW_20', ['Limited'], [], 20, 'Low'],
      ['UNKNOWN_10', ['Disputed'], [], 10, 'Unknown'],
      ['UNKNOWN_0', ['Refuted Evidence'], [], 0, 'Unknown'],
    ];
    await insertGenes(
      db.pool,
      cases.map(([symbol, clingen, gencc]) => ({
        symbol,
        evidence: {
          ClinGen: { classifications: clingen },
          ...(gencc.length > 0 ? { GenCC: { classifications: gencc } } : {}),
        },
      })),
    );
    await insertGenes(db.pool, [{ symbol: 'GENCC_ONLY', evidence: { GenCC: { classifications: [] } } }]);
    await refreshMaterializedViews(db.pool);
    const { rows } = await db.pool.query<{
      gene_symbol: string;
      percentage_score: number;
      classification: string;
    }>(
      `select gene_symbol, percentage_score, classification from gene_list_detailed where gene_symbol <> 'GENCC_ONLY'`,
    );
    expect(
      Object.fromEntries(rows.map((r) => [r.gene_symbol, [r.percentage_score, r.classification]])),
    ).toEqual(Object.fromEntries(cases.map(([symbol, , , pct, cls]) => [symbol, [pct, cls]])));
  });

  it('the UNION ALL form returns exactly the literal "genes LEFT JOIN gene_scores"', async () => {
    await db.pool.query(`
      insert into genes (approved_symbol, hgnc_id, aliases)
      select 'S' || i, case when i % 3 = 0 then null else 'HGNC:' || i end, case when i % 4 = 0 then array['A' || i] else '{}' end
        from generate_series(1, 300) i;
      insert into gene_evidence (gene_id, source_name, evidence_data)
      select g.id, s.name, jsonb_build_object('publication_count', g.id % 7, 'panels', jsonb_build_array(g.id),
                                               'classifications', jsonb_build_array('Moderate'))
        from genes g cross join (values ('PubTator'), ('PanelApp'), ('GenCC'), ('Literature')) s(name)
       where (g.id + length(s.name)) % 3 <> 0;
      insert into gene_annotations (gene_id, source) select g.id, 'hgnc' from genes g where g.id % 5 = 0;`);
    await refreshMaterializedViews(db.pool);
    const literal = await db.pool.query(LITERAL_LEFT_JOIN);
    const view = await db.pool.query(`select ${UPSTREAM_COLUMNS} from gene_list_detailed order by gene_id`);
    expect(view.rows).toHaveLength(300);
    expect(view.rows).toEqual(literal.rows);
  });
});

describe('gene_list_detailed plans (the list API reads it)', () => {
  beforeEach(async () => {
    // 5,000 genes, 4,000 scored: enough rows that a sort would cost more than walking the index.
    await db.pool.query(`
      insert into genes (approved_symbol, hgnc_id)
      select upper(substr(md5(i::text), 1, 6)), 'HGNC:' || i from generate_series(1, 5000) i;
      insert into gene_evidence (gene_id, source_name, evidence_data)
      select g.id, 'PubTator', jsonb_build_object('publication_count', g.id % 97) from genes g where g.id % 5 <> 0;
      insert into gene_evidence (gene_id, source_name, evidence_data)
      select g.id, 'ClinGen', '{"classifications": ["Strong"]}' from genes g where g.id % 3 = 0;`);
    await refreshMaterializedViews(db.pool);
    await db.pool.query('analyze genes; analyze gene_scores');
  });

  /** EXPLAIN ANALYZE (JSON) → every plan node, flattened. */
  async function planNodes(sql: string): Promise<Array<Record<string, unknown>>> {
    const { rows } = await db.pool.query(`explain (analyze, format json) ${sql}`);
    const out: Array<Record<string, unknown>> = [];
    const walk = (node: Record<string, unknown>) => {
      out.push(node);
      for (const child of (node.Plans as Array<Record<string, unknown>> | undefined) ?? []) walk(child);
    };
    walk(rows[0]['QUERY PLAN'][0].Plan);
    return out;
  }

  it('the default first page (score > 0, by score, symbol, id; 20 rows) walks gene_scores_score_order_idx only', async () => {
    const nodes = await planNodes(`
      select gene_id, gene_symbol, hgnc_id, alias_symbols, created_at, updated_at, evidence_count, evidence_score,
             evidence_tier, evidence_group, sources
        from gene_list_detailed where evidence_score > 0
       order by evidence_score desc nulls last, gene_symbol asc nulls first, gene_id asc nulls first
       limit 20 offset 0`);
    const scans = nodes.filter((n) => String(n['Node Type']).includes('Scan'));
    expect(scans.map((n) => [n['Node Type'], n['Index Name'], n['Relation Name']])).toEqual([
      ['Index Scan', 'gene_scores_score_order_idx', 'gene_scores'],
    ]);
    expect(nodes.some((n) => n['Node Type'] === 'Sort')).toBe(false);
    expect(scans[0]?.['Actual Rows']).toBeLessThanOrEqual(21);
  });

  it('sorting by symbol walks gene_scores_symbol_order_idx; one tier with the default sort walks the tier index', async () => {
    const bySymbol = await planNodes(`
      select gene_id from gene_list_detailed where evidence_score > 0
       order by gene_symbol asc nulls first, gene_id asc nulls first limit 20`);
    expect(bySymbol.filter((n) => n['Index Name']).map((n) => n['Index Name'])).toEqual([
      'gene_scores_symbol_order_idx',
    ]);
    expect(bySymbol.some((n) => n['Node Type'] === 'Sort')).toBe(false);
    const byTier = await planNodes(`
      select gene_id from gene_list_detailed where evidence_score > 0 and evidence_tier = 'preliminary_evidence'
       order by evidence_score desc nulls last, gene_symbol asc nulls first, gene_id asc nulls first limit 20`);
    expect(byTier.filter((n) => n['Index Name']).map((n) => n['Index Name'])).toEqual([
      'gene_scores_tier_order_idx',
    ]);
  });
});
