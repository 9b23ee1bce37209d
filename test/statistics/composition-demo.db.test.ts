import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemo } from '../../src/data/demo/seed-demo.js';
import { CLASSIFICATION_TITLES } from '../../src/views/defs/source-distribution-items.js';
import { testApp } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { refreshMaterializedViews } from '../helpers/views.js';

// Both routes on demo data against numbers recomputed here in plain JS from the raw rows of gene_scores and
// gene_evidence (nothing of src/statistics is used): counts, shares, and every source's categories.

interface ScoreRow {
  gene_id: string;
  evidence_tier: string;
  percentage_score: number;
  source_count: number;
}
interface EvidenceRow {
  gene_id: string;
  source_name: string;
  evidence_data: Record<string, unknown>;
}

let db: TestDatabase;
let app: FastifyInstance;
let scores: ScoreRow[];
let evidence: EvidenceRow[];

beforeAll(async () => {
  db = await createTestDatabase();
  await seedDemo(db.pool, {
    genes: 1_500,
    evidence: 7_000,
    logs: 0,
    seed: 15,
    now: new Date('2025-06-01T00:00:00Z'),
  });
  await refreshMaterializedViews(db.pool);
  app = await testApp(db.pool);
  scores = (
    await db.pool.query<ScoreRow>(
      'select gene_id::text, evidence_tier, percentage_score::float8 as percentage_score, source_count::int from gene_scores',
    )
  ).rows;
  evidence = (
    await db.pool.query<EvidenceRow>('select gene_id::text, source_name, evidence_data from gene_evidence')
  ).rows;
}, 120_000);
afterAll(async () => {
  await app.close();
  await db.drop();
});

const FILTERS = [
  { query: '', hide: true, tiers: undefined },
  { query: '?filter[hide_zero_scores]=false', hide: false, tiers: undefined },
  {
    query: '?filter[tier]=multi_source_support,minimal_evidence',
    hide: true,
    tiers: ['multi_source_support', 'minimal_evidence'],
  },
] as const;

type Filter = (typeof FILTERS)[number];

/** Which genes a filter keeps: gene_scores rows by score and tier; genes without a row only when unfiltered. */
function kept(filter: Filter): (geneId: string) => boolean {
  const byGene = new Map(scores.map((s) => [s.gene_id, s]));
  return (geneId) => {
    const s = byGene.get(geneId);
    if (!s) return !filter.hide && !filter.tiers;
    return (
      (!filter.hide || s.percentage_score > 0) &&
      (!filter.tiers || (filter.tiers as readonly string[]).includes(s.evidence_tier))
    );
  };
}

const tally = <K>(keys: K[]): Map<K, number> => {
  const m = new Map<K, number>();
  for (const k of keys) m.set(k, (m.get(k) ?? 0) + 1);
  return m;
};

/** A share rounded to `decimals`: within half a unit of the last place of the exact quotient. */
const expectShare = (actual: number, exact: number, decimals: number) =>
  expect(Math.abs(actual - exact)).toBeLessThanOrEqual(0.5 / 10 ** decimals + 1e-9);

describe.each(FILTERS)('demo data, filter "$query"', (filter) => {
  it('evidence-composition', async () => {
    const res = await app.inject({
      method: 'GET',
      url: `/api/statistics/evidence-composition${filter.query}`,
    });
    expect(res.statusCode, res.body).toBe(200);
    const { data } = res.json();
    const keep = kept(filter);
    const genes = scores.filter((s) => keep(s.gene_id));
    const geneIds = new Set(genes.map((g) => g.gene_id));
    expect(genes.length).toBeGreaterThan(50);

    const tiers = tally(genes.map((g) => g.evidence_tier));
    expect(
      Object.fromEntries(
        data.evidence_tier_distribution.map((t: { tier: string; gene_count: number }) => [
          t.tier,
          t.gene_count,
        ]),
      ),
    ).toEqual(Object.fromEntries(tiers));
    for (const t of data.evidence_tier_distribution)
      expectShare(t.percentage, ((tiers.get(t.tier) ?? 0) * 100) / genes.length, 2);

    const rows = evidence.filter((e) => geneIds.has(e.gene_id));
    const perSource = tally(rows.map((e) => e.source_name));
    expect(Object.keys(data.source_contribution_weights).sort()).toEqual([...perSource.keys()].sort());
    for (const [source, n] of perSource)
      expectShare(data.source_contribution_weights[source], n / rows.length, 3);

    const coverage = tally(genes.map((g) => g.source_count));
    expect(
      data.source_coverage_distribution.map((c: { source_count: number; gene_count: number }) => [
        c.source_count,
        c.gene_count,
      ]),
    ).toEqual([...coverage].sort((a, b) => b[0] - a[0]));

    const sourceSum = genes.reduce((sum, g) => sum + g.source_count, 0);
    expect(data.summary_statistics).toMatchObject({
      total_genes: genes.length,
      total_evidence_records: rows.length,
      active_sources: perSource.size,
    });
    expectShare(data.summary_statistics.avg_sources_per_gene, sourceSum / genes.length, 2);
  });

  it('source-distributions', async () => {
    const res = await app.inject({
      method: 'GET',
      url: `/api/statistics/source-distributions${filter.query}`,
    });
    expect(res.statusCode, res.body).toBe(200);
    const { data, meta } = res.json();
    const keep = kept(filter);
    const rows = evidence.filter((e) => keep(e.gene_id));
    const sources = [...new Set(rows.map((e) => e.source_name))].sort();
    expect(Object.keys(data)).toEqual(sources);
    expect(meta.source_count).toBe(sources.length);

    const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
    const canonical = new Map(CLASSIFICATION_TITLES.map((t) => [t.toLowerCase(), t]));
    const titles = (e: EvidenceRow): string[] => {
      const raw =
        e.source_name === 'ClinGen'
          ? arr(e.evidence_data.classifications)
          : arr(e.evidence_data.submissions).map((s) => (s as { classification?: unknown }).classification);
      const strings = raw.filter((t): t is string => typeof t === 'string');
      return [...new Set(strings.map((t) => canonical.get(t.toLowerCase()) ?? t))];
    };
    const hpoRange = (n: number) =>
      n === 0 ? '0' : n <= 5 ? '1-5' : n <= 10 ? '6-10' : n <= 20 ? '11-20' : n <= 50 ? '21-50' : '50+';
    const arrayKey: Record<string, string> = {
      PanelApp: 'panels',
      PubTator: 'pmids',
      Literature: 'publications',
      DiagnosticPanels: 'providers',
    };
    for (const source of sources) {
      const of = rows.filter((e) => e.source_name === source);
      let expected: Map<string | number, number>;
      if (source === 'ClinGen' || source === 'GenCC') expected = tally(of.flatMap(titles));
      else if (source === 'HPO')
        expected = tally(of.map((e) => hpoRange(arr(e.evidence_data.hpo_terms).length)));
      else expected = tally(of.map((e) => arr(e.evidence_data[arrayKey[source] ?? '']).length));
      const got = data[source].distribution as { category: string | number; gene_count: number }[];
      const byCategory = (a: [string | number, number], b: [string | number, number]) =>
        String(a[0]) < String(b[0]) ? -1 : 1;
      expect(
        got.map((d) => [d.category, d.gene_count] as [string | number, number]).sort(byCategory),
        source,
      ).toEqual([...expected].sort(byCategory));
      expect(data[source].metadata.total_genes, source).toBe(
        [...expected.values()].reduce((a, b) => a + b, 0),
      );
    }
  });
});
