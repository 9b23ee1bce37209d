import type { ViewDef } from '../view-def.js';

/**
 * DESIGN §4.2: GenCC and ClinGen rows weighted by the MAXIMUM over the row's classifications, compared
 * case-insensitively. Upstream took only the first ClinGen element of an unordered list; the maximum makes the
 * weight independent of order. A missing, empty or non-array `classifications` gives 0.0; a non-string element
 * weighs 0.0.
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
       coalesce(
         (select max(case lower(c.value #>> '{}')
                       when 'definitive' then 1.0
                       when 'strong' then 0.8
                       when 'moderate' then 0.6
                       when 'supportive' then 0.5
                       when 'limited' then 0.4
                       when 'disputed' then 0.2
                       when 'disputed evidence' then 0.2
                       else 0.0
                     end)
            from jsonb_array_elements(
                   case when jsonb_typeof(ge.evidence_data -> 'classifications') = 'array'
                        then ge.evidence_data -> 'classifications' else '[]'::jsonb end) as c(value)),
         0.0)::float8 as classification_weight
  from gene_evidence ge
  join genes g on g.id = ge.gene_id
 where ge.source_name in ('GenCC', 'ClinGen')`,
};
