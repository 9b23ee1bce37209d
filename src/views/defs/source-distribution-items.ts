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
 * request is one GROUP BY joined to gene_scores for its filters and reads no evidence_data (as a plain view the
 * JSON made the route's query 7.5 times slower at 50,000 genes). Refreshed after gene_evidence changes like the
 * other matviews; the route reads which sources there are from here too, so both come from one refresh.
 * - Every evidence row: one row with `row_key` '' — `item_count` = the array's length for PanelApp `panels`,
 *   PubTator `pmids`, Literature `publications`, DiagnosticPanels `providers`, HPO `hpo_terms` (0 when it is
 *   missing or not an array), null for other sources; `category` null.
 * - ClinGen (`classifications`) and GenCC (`submissions[].classification`): one more row per distinct
 *   classification of the gene, `category` = the title (a known title in its canonical spelling, matched
 *   case-insensitively; other strings as written; non-strings skipped), `item_count` null, `row_key` =
 *   md5(category) (a title of any length fits the index).
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
),
named as (
  select distinct c.gene_id, c.source_name, coalesce(t.title, c.title) as category
    from classified c
    left join titles t on lower(t.title) = lower(c.title)
)
select n.gene_id::bigint as gene_id,
       n.source_name::text as source_name,
       n.category::text as category,
       null::bigint as item_count,
       md5(n.category)::text as row_key
  from named n
union all
select ge.gene_id::bigint,
       ge.source_name::text,
       null::text,
       (case ge.source_name
          when 'PanelApp' then ${len('panels')}
          when 'PubTator' then ${len('pmids')}
          when 'Literature' then ${len('publications')}
          when 'DiagnosticPanels' then ${len('providers')}
          when 'HPO' then ${len('hpo_terms')}
        end)::bigint,
       ''::text
  from gene_evidence ge`,
  // REFRESH … CONCURRENTLY matches old and new rows on a unique index with `=`, which never matches a null:
  // row_key ('' on the one row per evidence row, md5 of the title on a classification row) is never null.
  indexes: [
    { name: 'source_distribution_items_key', columns: ['gene_id', 'source_name', 'row_key'], unique: true },
  ],
  refresh: { concurrently: true },
};
