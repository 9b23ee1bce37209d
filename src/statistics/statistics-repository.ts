/**
 * Glossary
 * - combination: a set of sources and the genes whose sources are exactly that set (an UpSet "intersection",
 *   exclusive: a gene counts in one combination only).
 * - pair overlap: genes having evidence from both of two sources (source_overlap_statistics, not exclusive).
 * Statistics read gene_scores, source_overlap_statistics and source_distribution_items (as of their last refresh),
 * and gene_evidence live.
 */
import type { Queryable } from '../db/pool.js';
import type { EvidenceTier, SourceName } from '../genes/gene-repository.js';

/** Which genes a statistics request covers, by their gene_scores row. */
export interface StatisticsFilter {
  /** Only genes with percentage_score > 0. */
  hideZeroScores: boolean;
  /** Only genes of these tiers; undefined = all. */
  tiers?: EvidenceTier[];
}

export interface OverlapQuery extends StatisticsFilter {
  /** Only these sources take part (a gene's combination is its sources among them); undefined = all. */
  sources?: SourceName[];
  /** Include the gene symbols of each combination. */
  detail: boolean;
}

/** Genes per tier and per source count, and evidence rows per source, over the filtered gene_scores rows. */
export interface CompositionCounts {
  tiers: { tier: string; gene_count: number }[];
  coverage: { source_count: number; gene_count: number }[];
  sources: { source_name: string; gene_count: number; evidence_count: number }[];
}

/** One group of source_distribution_items: a classification (category) or an array length (item_count). */
export interface DistributionCount {
  source_name: string;
  category: string | null;
  item_count: number | null;
  gene_count: number;
}

export interface DistributionCounts {
  /** Sources with evidence among the filtered genes. */
  sources: string[];
  groups: DistributionCount[];
}

export interface SourceCombination {
  /** Byte order. */
  sources: string[];
  size: number;
  /** Symbols in the database's collation order; only when asked for. */
  genes?: string[];
}

export interface PairOverlap {
  source1: string;
  source2: string;
  overlap_count: number;
  source1_total: number;
  source2_total: number;
  overlap_percentage: number | null;
}

/** Gene-level numbers for the dashboard, over genes with percentage_score > 0. */
export interface GeneFacts {
  genes: number;
  avg_sources_per_gene: number;
  total_evidence_records: number;
  /** percentage_score ≥ 80: gene_list_detailed's 'High' classification. */
  high_confidence_genes: number;
  single_source_genes: number;
  multi_source_genes: number;
}

export interface StatisticsRepository {
  /** The non-empty source combinations of the genes the query selects. */
  combinations(query: OverlapQuery): Promise<SourceCombination[]>;
  geneFacts(): Promise<GeneFacts>;
  /** Every pair of sources, byte order. */
  pairOverlaps(): Promise<PairOverlap[]>;
  composition(filter: StatisticsFilter): Promise<CompositionCounts>;
  distributions(filter: StatisticsFilter): Promise<DistributionCounts>;
}

/**
 * The filter on a gene_scores row aliased gs, parameters $1 (hide zero scores) and $2 (tiers or null). Under a
 * left join a gene without a row passes only when neither filter is set, as upstream's unjoined query did.
 */
const GENE_FILTER_SQL = `(not $1::boolean or gs.percentage_score > 0)
   and ($2::text[] is null or gs.evidence_tier = any($2::text[]))`;

const filterParams = (filter: StatisticsFilter) => [filter.hideZeroScores, filter.tiers ?? null];

export function createStatisticsRepository(db: Queryable): StatisticsRepository {
  return {
    async combinations(query) {
      const { rows } = await db.query<{ sources: string[]; size: number; genes: string[] | null }>(
        `with picked as (
  select gs.approved_symbol,
         (case when $1::text[] is null then gs.sources
               else array(select s.name from unnest(gs.sources) as s(name)
                           where s.name = any($1::text[]) order by s.name collate "C") end)::text[] as combo
    from gene_scores gs
   where (not $2::boolean or gs.percentage_score > 0)
     and ($3::text[] is null or gs.evidence_tier = any($3::text[]))
)
select p.combo as sources,
       count(*)::int as size,
       (case when $4::boolean then array_agg(p.approved_symbol order by p.approved_symbol) end)::text[] as genes
  from picked p
 where cardinality(p.combo) > 0
 group by p.combo`,
        [query.sources ?? null, query.hideZeroScores, query.tiers ?? null, query.detail],
      );
      return rows.map((r) =>
        r.genes ? { sources: r.sources, size: r.size, genes: r.genes } : { sources: r.sources, size: r.size },
      );
    },

    async geneFacts() {
      const { rows } = await db.query<GeneFacts>(
        `select count(*)::int as genes,
       coalesce(round(avg(gs.source_count), 2), 0)::float8 as avg_sources_per_gene,
       (select count(*) from gene_evidence ge
          join gene_scores s on s.gene_id = ge.gene_id
         where s.percentage_score > 0)::int as total_evidence_records,
       (count(*) filter (where gs.percentage_score >= 80))::int as high_confidence_genes,
       (count(*) filter (where gs.source_count = 1))::int as single_source_genes,
       (count(*) filter (where gs.source_count >= 2))::int as multi_source_genes
  from gene_scores gs
 where gs.percentage_score > 0`,
      );
      const row = rows[0];
      if (!row) throw new Error('gene facts: aggregate returned no row');
      return row;
    },

    async pairOverlaps() {
      const { rows } = await db.query<PairOverlap>(
        `select o.source1, o.source2, o.overlap_count::int as overlap_count,
       o.source1_total::int as source1_total, o.source2_total::int as source2_total, o.overlap_percentage
  from source_overlap_statistics o
 order by o.source1 collate "C", o.source2 collate "C"`,
      );
      return rows;
    },

    async composition(filter) {
      const { rows } = await db.query<{ kind: string; name: string; genes: number; evidence: number }>(
        `with picked as (
  select gs.gene_id, gs.evidence_tier, gs.source_count
    from gene_scores gs
   where ${GENE_FILTER_SQL}
)
select 'tier' as kind, p.evidence_tier::text as name, count(*)::int as genes, 0 as evidence
  from picked p
 group by p.evidence_tier
union all
select 'coverage', p.source_count::text, count(*)::int, 0
  from picked p
 group by p.source_count
union all
-- One gene_evidence row per (gene, source): count(*) counts genes without count(distinct)'s sort.
select 'source', ge.source_name::text, count(*)::int, count(*)::int
  from gene_evidence ge
  join picked p on p.gene_id = ge.gene_id
 group by ge.source_name`,
        filterParams(filter),
      );
      const of = (kind: string) => rows.filter((r) => r.kind === kind);
      return {
        tiers: of('tier').map((r) => ({ tier: r.name, gene_count: r.genes })),
        coverage: of('coverage').map((r) => ({ source_count: Number(r.name), gene_count: r.genes })),
        sources: of('source').map((r) => ({
          source_name: r.name,
          gene_count: r.genes,
          evidence_count: r.evidence,
        })),
      };
    },

    async distributions(filter) {
      // Every evidence row has its own row (row_key ''), so the groups name every source with evidence among
      // the genes; rows without a category or a count (a source's evidence without a bar) only name it.
      const { rows } = await db.query<DistributionCount>(
        `select d.source_name, d.category, d.item_count::int as item_count, count(*)::int as gene_count
  from source_distribution_items d
  left join gene_scores gs on gs.gene_id = d.gene_id
 where ${GENE_FILTER_SQL}
 group by d.source_name, d.category, d.item_count`,
        filterParams(filter),
      );
      return {
        sources: [...new Set(rows.map((r) => r.source_name))],
        groups: rows.filter((r) => r.category !== null || r.item_count !== null),
      };
    },
  };
}
