import type { ViewDef } from '../view-def.js';

/** Scoring step 3: count percentiles for the count-based sources, classification weights for GenCC and ClinGen. */
export const evidenceNormalizedScores: ViewDef = {
  name: 'evidence_normalized_scores',
  kind: 'view',
  dependsOn: ['evidence_count_percentiles', 'evidence_classification_weights'],
  sql: `
select ecp.evidence_id::bigint as evidence_id,
       ecp.gene_id::bigint as gene_id,
       ecp.approved_symbol::text as approved_symbol,
       ecp.source_name::text as source_name,
       ecp.percentile_score::float8 as normalized_score
  from evidence_count_percentiles ecp
 where ecp.source_name not in ('GenCC', 'ClinGen')
union all
select ecw.evidence_id::bigint as evidence_id,
       ecw.gene_id::bigint as gene_id,
       ecw.approved_symbol::text as approved_symbol,
       ecw.source_name::text as source_name,
       ecw.classification_weight::float8 as normalized_score
  from evidence_classification_weights ecw`,
};
