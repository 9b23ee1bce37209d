import type { ViewDef } from '../view-def.js';

/**
 * Materialized: for every pair of sources present in gene_evidence (source1 < source2, byte order)
 * the genes having both, and each source's gene count; overlap_percentage = overlap / source1_total × 100,
 * rounded to 2 decimals (upstream's formula).
 * Upstream cross-joined gene_evidence with itself (n² rows); gene_evidence holds one row per (gene, source), so a
 * self-join on gene_id yields each overlapping gene exactly once per pair (so count(*) counts
 * genes), at most 21 pairs per gene.
 */
export const sourceOverlapStatistics: ViewDef = {
  name: 'source_overlap_statistics',
  kind: 'materialized',
  dependsOn: ['gene_evidence'],
  sql: `
with totals as (
  select ge.source_name, count(distinct ge.gene_id) as total
    from gene_evidence ge
   group by ge.source_name
),
pair_overlaps as (
  select a.source_name as source1, b.source_name as source2, count(*) as overlap_count
    from gene_evidence a
    join gene_evidence b on b.gene_id = a.gene_id and a.source_name collate "C" < b.source_name collate "C"
   group by a.source_name, b.source_name
)
select t1.source_name::text as source1,
       t2.source_name::text as source2,
       coalesce(o.overlap_count, 0)::bigint as overlap_count,
       t1.total::bigint as source1_total,
       t2.total::bigint as source2_total,
       round(coalesce(o.overlap_count, 0)::numeric / nullif(t1.total, 0) * 100, 2)::float8 as overlap_percentage
  from totals t1
  join totals t2 on t1.source_name collate "C" < t2.source_name collate "C"
  left join pair_overlaps o on o.source1 = t1.source_name and o.source2 = t2.source_name`,
  indexes: [{ name: 'source_overlap_statistics_pair_key', columns: ['source1', 'source2'], unique: true }],
  refresh: { concurrently: true },
};
