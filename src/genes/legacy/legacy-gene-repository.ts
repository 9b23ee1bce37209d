import type { Queryable } from '../../db/pool.js';
import {
  EVIDENCE_GROUPS,
  EVIDENCE_TIERS,
  type EvidenceRow,
  type GeneDetail,
  type GeneEvidence,
  type GeneListFacts,
  type GeneListQuery,
  type GenePage,
  type GeneRepository,
  type GeneRow,
  type TierCounts,
} from '../gene-repository.js';
import { LEGACY_FACTS_SQL, legacyCountSql, legacyPageSql } from './legacy-gene-sql.js';
import { type ClinGenWeighting, legacyScoresCte } from './legacy-scoring-sql.js';

/**
 * The control arm of every gene experiment: a port of what upstream's hand-written endpoints run
 * (docs/legacy-arm.md). It reads the tables and the `gene_scores` matview only, with its own SQL and its own
 * row mapping, so nothing it computes comes from code the views arm runs.
 */

export interface LegacyGeneOptions {
  /**
   * Serves the list-wide facts from a cache (upstream keeps them 300 s). The composition root passes a
   * namespace invalidated from the database; without it the facts are queried on every list request.
   */
  cachedFacts?: (load: () => Promise<GeneListFacts>) => Promise<GeneListFacts>;
  /** Default 'strongest' (kgdb's rule); 'first' reproduces upstream's order-dependent ClinGen score. */
  clinGen?: ClinGenWeighting;
}

/** A page row as legacyPageSql selects it: the API's GeneRow before timestamps become text. */
type LegacyGeneRow = Omit<GeneRow, 'aliases' | 'created_at' | 'updated_at'> & {
  aliases: string[] | null;
  created_at: Date;
  updated_at: Date;
};

interface FactsRow {
  total_genes: number;
  nonzero_score_genes: number;
  max_evidence_count: number;
  available_sources: string[];
  tier_counts: [string, string, number][];
}

const iso = (d: Date) => d.toISOString();

function geneOf(r: LegacyGeneRow): GeneRow {
  return {
    id: r.id,
    hgnc_id: r.hgnc_id,
    approved_symbol: r.approved_symbol,
    aliases: r.aliases ?? [],
    created_at: iso(r.created_at),
    updated_at: iso(r.updated_at),
    evidence_count: r.evidence_count,
    evidence_score: r.evidence_score,
    evidence_tier: r.evidence_tier,
    evidence_group: r.evidence_group,
    sources: r.sources,
  };
}

/** (group, tier, n) triples → upstream's meta shape: both groups, tiers strongest first, `total` last. */
export function tierCountsOf(triples: readonly [string, string, number][]): TierCounts {
  const counts = {} as TierCounts;
  for (const group of EVIDENCE_GROUPS) {
    const mine = triples.filter(([g]) => g === group);
    const rank = (tier: string) => {
      const i = (EVIDENCE_TIERS as readonly string[]).indexOf(tier);
      return i === -1 ? EVIDENCE_TIERS.length : i;
    };
    mine.sort(([, a], [, b]) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
    const entry: Record<string, number> = {};
    for (const [, tier, n] of mine) if (n > 0) entry[tier] = n;
    entry.total = mine.reduce((sum, [, , n]) => sum + n, 0);
    counts[group] = entry;
  }
  return counts;
}

/** Upstream's symbol lookup: case-insensitive; the lowest id wins a tie (kgdb fix: upstream took any). */
const GENE_BY_SYMBOL = `select g.id, g.hgnc_id, g.approved_symbol, g.aliases, g.created_at, g.updated_at
  from genes g
 where upper(g.approved_symbol) = upper($1::text)
 order by g.id
 limit 1`;

type GeneByIdRow = Pick<
  LegacyGeneRow,
  'hgnc_id' | 'approved_symbol' | 'aliases' | 'created_at' | 'updated_at'
> & {
  id: number;
};

/** The list attributes of one gene: its gene_scores row and its evidence rows (upstream's detail query). */
const DETAIL_ATTRIBUTES = `select gs.percentage_score::float8 as evidence_score, gs.evidence_tier, gs.evidence_group,
       gs.source_scores,
       (select count(*)::int from gene_evidence e where e.gene_id = $1::bigint) as evidence_count,
       (select coalesce(array_agg(distinct e.source_name order by e.source_name), '{}')
          from gene_evidence e where e.gene_id = $1::bigint) as sources
  from (select 1) one
  left join gene_scores gs on gs.gene_id = $1::bigint`;

interface DetailAttributesRow {
  evidence_score: number | null;
  evidence_tier: string | null;
  evidence_group: string | null;
  source_scores: Record<string, number> | null;
  evidence_count: number;
  sources: string[];
}

/** Keys in byte order, so both arms list sources alike whatever order jsonb or the rows came in. */
function byKey(scores: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const key of Object.keys(scores).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)))
    out[key] = scores[key] as number;
  return out;
}

export function createLegacyGeneRepository(db: Queryable, options: LegacyGeneOptions = {}): GeneRepository {
  const scores = legacyScoresCte(options.clinGen ?? 'strongest');
  const breakdownSql = `with ${scores}
select s.source_name, round(s.normalized_score::numeric, 4)::float8 as score
  from legacy_scores s
 where s.gene_id = $1::bigint
 order by s.evidence_id`;
  const evidenceSql = `with ${scores}
select ge.id::text as id, ge.source_name, ge.source_detail, ge.evidence_data, ge.evidence_date::text as evidence_date,
       ge.created_at, coalesce(round(s.normalized_score::numeric, 4)::float8, 0) as normalized_score
  from gene_evidence ge
  left join legacy_scores s on s.evidence_id = ge.id
 where ge.gene_id = $1::bigint
 order by ge.source_name, ge.id`;

  const loadFacts = async (): Promise<GeneListFacts> => {
    const { rows } = await db.query<FactsRow>(LEGACY_FACTS_SQL);
    const r = rows[0] as FactsRow;
    return {
      maxEvidenceCount: r.max_evidence_count,
      availableSources: r.available_sources,
      evidenceTiers: tierCountsOf(r.tier_counts),
      totalGenes: r.total_genes,
      nonzeroScoreGenes: r.nonzero_score_genes,
    };
  };
  const facts = () => (options.cachedFacts ? options.cachedFacts(loadFacts) : loadFacts());

  const geneBySymbol = async (symbol: string) =>
    (await db.query<GeneByIdRow>(GENE_BY_SYMBOL, [symbol])).rows[0];

  return {
    async list(query: GeneListQuery): Promise<GenePage> {
      // One statement after the other, as upstream's handler ran them.
      const count = legacyCountSql(query);
      const counted = await db.query<{ total: number }>(count.text, count.values);
      const page = legacyPageSql(query);
      const rows = await db.query<LegacyGeneRow>(page.text, page.values);
      return { rows: rows.rows.map(geneOf), total: counted.rows[0]?.total ?? 0, facts: await facts() };
    },

    async findBySymbol(symbol: string): Promise<GeneDetail | undefined> {
      const gene = await geneBySymbol(symbol);
      if (!gene) return undefined;
      const attributes = await db.query<DetailAttributesRow>(DETAIL_ATTRIBUTES, [gene.id]);
      const breakdown = await db.query<{ source_name: string; score: number }>(breakdownSql, [gene.id]);
      const a = attributes.rows[0] as DetailAttributesRow;
      // Upstream: the last row per source wins (one row per gene and source makes it the only one).
      const scoreBreakdown: Record<string, number> = {};
      for (const row of breakdown.rows) scoreBreakdown[row.source_name] = row.score;
      return {
        ...geneOf({ ...gene, id: String(gene.id), ...a }),
        score_breakdown: byKey(scoreBreakdown),
        source_scores: byKey(a.source_scores ?? {}),
      };
    },

    async evidence(symbol: string): Promise<GeneEvidence | undefined> {
      const gene = await geneBySymbol(symbol);
      if (!gene) return undefined;
      const { rows } = await db.query<Omit<EvidenceRow, 'created_at'> & { created_at: Date }>(evidenceSql, [
        gene.id,
      ]);
      return {
        gene_id: gene.id,
        gene_symbol: gene.approved_symbol,
        evidence: rows.map((r) => ({ ...r, created_at: iso(r.created_at) })),
      };
    },
  };
}
