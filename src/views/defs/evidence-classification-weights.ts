import type { ViewDef } from '../view-def.js';
import { CLASSIFICATION_WEIGHT_SQL } from './evidence-sql.js';

/**
 * Scoring step 2 (docs/scoring.md): GenCC and ClinGen rows weighted by the MAXIMUM over the row's
 * classifications, compared case-insensitively. Upstream took only the first ClinGen element of an unordered
 * list; the maximum makes the weight independent of order. A missing, empty or non-array `classifications` gives
 * 0.0; a non-string element weighs 0.0.
 */
export const evidenceClassificationWeights: ViewDef = {
  name: 'evidence_classification_weights',
  kind: 'view',
  dependsOn: ['gene_evidence', 'genes'],
  sql: `
select ge.id::bigint as evidence_id,
       ge.gene_id::bigint as gene_id,
       g.approved_symbol::text as approved_symbol,
       ge.source_name::text as source_name,
       ${CLASSIFICATION_WEIGHT_SQL} as classification_weight
  from gene_evidence ge
  join genes g on g.id = ge.gene_id
 where ge.source_name in ('GenCC', 'ClinGen')`,
};
