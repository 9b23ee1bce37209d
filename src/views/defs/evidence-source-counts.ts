import type { ViewDef } from '../view-def.js';

/** len(key): the length of evidence_data -> key when it is a JSON array; missing, null or any other type → 0. */
const len = (key: string): string =>
  `case when jsonb_typeof(ge.evidence_data -> '${key}') = 'array'
        then jsonb_array_length(ge.evidence_data -> '${key}') else 0 end`;

/**
 * num(key): evidence_data ->> key as a count when it is a whole number (JSON number or digit string, at most
 * 18 digits so the bigint cast cannot overflow); anything else is NULL, so the caller's fallback applies.
 */
const num = (key: string): string =>
  `case when (ge.evidence_data ->> '${key}') ~ '^[0-9]{1,18}(\\.0+)?$'
        then (ge.evidence_data ->> '${key}')::numeric::bigint end`;

/**
 * DESIGN §4.1: one row per gene_evidence row with the source's evidence count. Every JSON access is guarded
 * (jsonb_typeof before jsonb_array_length), so a missing key, a null or a non-array value counts as 0 and
 * never raises an error.
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
       (case ge.source_name
          when 'PanelApp' then ${len('panels')}
          when 'HPO' then ${len('hpo_terms')} + ${len('diseases')}
          when 'PubTator' then coalesce(${num('publication_count')}, ${len('pmids')})
          when 'DiagnosticPanels' then coalesce(${num('panel_count')}, ${len('panels')})
          when 'GenCC' then ${len('classifications')}
          when 'ClinGen' then 1
          when 'Literature' then coalesce(${num('publication_count')}, ${len('publications')})
          else 0
        end)::bigint as source_count
  from gene_evidence ge
  join genes g on g.id = ge.gene_id`,
};
