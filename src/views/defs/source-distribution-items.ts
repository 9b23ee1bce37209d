import type { ViewDef } from '../view-def.js';

/**
 * Classification titles in their canonical spelling (docs/data-model.md, GenCC and ClinGen). Submitters write
 * them in their own case; the scoring views compare case-insensitively, so these rows do as well.
 */
export const CLASSIFICATION_TITLES = [
  'Definitive',
  'Strong',
  'Moderate',
  'Supportive',
  'Limited',
  'Disputed',
  'Disputed Evidence',
  'Refuted',
  'Refuted Evidence',
  'No Known Disease Relationship',
];

/** evidence_data -> key as a JSON array, anything else (missing, null, other types) as []. */
const array = (key: string): string =>
  `(case when jsonb_typeof(ge.evidence_data -> '${key}') = 'array'
              then ge.evidence_data -> '${key}' else '[]'::jsonb end)`;

/** The length of evidence_data -> key when it is a JSON array, else 0. */
const len = (key: string): string => `jsonb_array_length(${array(key)})`;

/**
 * kgdb's own, materialized: what GET /api/statistics/source-distributions aggregates, per gene and source, so a
 * request is one GROUP BY joined to gene_scores for its filters and reads no evidence_data (read live, the JSON
 * made the route take 1.2 s at 50,000 genes). Refreshed after gene_evidence changes like the other matviews.
 * - ClinGen (`classifications`) and GenCC (`submissions[].classification`): one row per distinct classification
 *   of the gene, `category` = the title (a known title in its canonical spelling, matched case-insensitively;
 *   other strings as written; non-strings skipped), `item_count` null.
 * - PanelApp `panels`, PubTator `pmids`, Literature `publications`, DiagnosticPanels `providers`, HPO `hpo_terms`:
 *   one row per evidence row, `item_count` = the array's length (0 when it is missing or not an array),
 *   `category` null.
 * - Other sources: no rows.
 * `row_key`: the category, '' on a count row — the unique key a concurrent refresh needs.
 */
export const sourceDistributionItems: ViewDef = {
  name: 'source_distribution_items',
  kind: 'materialized',
  dependsOn: ['gene_evidence'],
  sql: `
with titles(title) as (
  values ${CLASSIFICATION_TITLES.map((t) => `('${t}')`).join(', ')}
),
classified as (
  select ge.gene_id, ge.source_name, e.value #>> '{}' as title
    from gene_evidence ge
   cross join lateral jsonb_array_elements(${array('classifications')}) as e(value)
   where ge.source_name = 'ClinGen' and jsonb_typeof(e.value) = 'string'
  union all
  select ge.gene_id, ge.source_name, s.value ->> 'classification'
    from gene_evidence ge
   cross join lateral jsonb_array_elements(${array('submissions')}) as s(value)
   where ge.source_name = 'GenCC' and jsonb_typeof(s.value -> 'classification') = 'string'
)
select distinct c.gene_id::bigint as gene_id,
       c.source_name::text as source_name,
       coalesce(t.title, c.title)::text as category,
       null::bigint as item_count,
       coalesce(t.title, c.title)::text as row_key
  from classified c
  left join titles t on lower(t.title) = lower(c.title)
union all
select ge.gene_id::bigint,
       ge.source_name::text,
       null::text,
       (case ge.source_name
          when 'PanelApp' then ${len('panels')}
          when 'PubTator' then ${len('pmids')}
          when 'Literature' then ${len('publications')}
          when 'DiagnosticPanels' then ${len('providers')}
          else ${len('hpo_terms')}
        end)::bigint,
       ''::text
  from gene_evidence ge
 where ge.source_name in ('PanelApp', 'PubTator', 'Literature', 'DiagnosticPanels', 'HPO')`,
  // REFRESH … CONCURRENTLY matches old and new rows on a unique index with `=`, which never matches a null:
  // row_key (the category, '' on a count row: one per gene and source) keeps every row's key non-null.
  indexes: [
    { name: 'source_distribution_items_key', columns: ['gene_id', 'source_name', 'row_key'], unique: true },
  ],
  refresh: { concurrently: true },
};
