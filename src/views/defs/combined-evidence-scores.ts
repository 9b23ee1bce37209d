import type { ViewDef } from '../view-def.js';

/** The normalized scores with upstream's display columns (display_name, source_type). */
export const combinedEvidenceScores: ViewDef = {
  name: 'combined_evidence_scores',
  kind: 'view',
  dependsOn: ['evidence_normalized_scores'],
  sql: `
select ens.evidence_id::bigint as evidence_id,
       ens.gene_id::bigint as gene_id,
       ens.approved_symbol::text as approved_symbol,
       ens.source_name::text as source_name,
       ens.source_name::text as display_name,
       ens.normalized_score::float8 as normalized_score,
       'pipeline'::text as source_type
  from evidence_normalized_scores ens`,
};
