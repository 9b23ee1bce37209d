import type { ViewDef } from '../view-def.js';

/**
 * Every gene_evidence row with its gene, its normalized score (0 when the row dropped out of the
 * chain, e.g. a zero count) and the gene's curation. Beyond upstream's columns it carries source_detail,
 * evidence_date, created_at and updated_at so the evidence endpoint can read one relation.
 * Note: the score needs the whole chain (percent_rank sees every row of the source); per-gene reads that only
 * need the rounded score can take it from gene_scores.source_scores instead.
 */
export const evidenceSummaryView: ViewDef = {
  name: 'evidence_summary_view',
  kind: 'view',
  dependsOn: ['gene_evidence', 'genes', 'combined_evidence_scores', 'gene_curations'],
  sql: `
select ge.id::bigint as id,
       ge.gene_id::bigint as gene_id,
       g.approved_symbol::text as approved_symbol,
       g.hgnc_id::text as hgnc_id,
       ge.source_name::text as source_name,
       ge.source_detail::text as source_detail,
       ge.evidence_data::jsonb as evidence_data,
       ge.evidence_date::date as evidence_date,
       coalesce(ces.normalized_score, 0)::float8 as normalized_score,
       gc.classification::text as classification,
       gc.updated_at::timestamptz as last_curated,
       ge.created_at::timestamptz as created_at,
       ge.updated_at::timestamptz as updated_at
  from gene_evidence ge
  join genes g on g.id = ge.gene_id
  left join combined_evidence_scores ces on ces.evidence_id = ge.id
  left join gene_curations gc on gc.gene_id = ge.gene_id`,
};
