/**
 * Glossary
 * - combination: a set of sources and the genes whose sources are exactly that set (an UpSet "intersection",
 *   exclusive: a gene counts in one combination only).
 * - pair overlap: genes having evidence from both of two sources (source_overlap_statistics, not exclusive).
 * Statistics read gene_scores and source_overlap_statistics only (as of their last refresh).
 */
import type { Queryable } from '../db/pool.js';
import type { EvidenceTier, SourceName } from '../genes/gene-repository.js';

export interface OverlapQuery {
  /** Only these sources take part (a gene's combination is its sources among them); undefined = all. */
  sources?: SourceName[];
  hideZeroScores: boolean;
  tiers?: EvidenceTier[];
  /** Include the gene symbols of each combination. */
  detail: boolean;
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
}

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
  };
}
