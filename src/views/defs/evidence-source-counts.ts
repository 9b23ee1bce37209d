import type { ViewDef } from '../view-def.js';
import { SOURCE_COUNT_SQL } from './evidence-sql.js';

/**
 * Scoring step 1 (docs/scoring.md): one row per gene_evidence row with the source's evidence count. Every JSON
 * access is guarded (jsonb_typeof before jsonb_array_length), so a missing key, a null or a non-array value
 * counts as 0 and never raises an error.
 */
export const evidenceSourceCounts: ViewDef = {
  name: 'evidence_source_counts',
  kind: 'view',
  dependsOn: ['gene_evidence', 'genes'],
  sql: `
select ge.id::bigint as evidence_id,
       ge.gene_id::bigint as gene_id,
       g.approved_symbol::text as approved_symbol,
       ge.source_name::text as source_name,
       ${SOURCE_COUNT_SQL} as source_count
  from gene_evidence ge
  join genes g on g.id = ge.gene_id`,
};
