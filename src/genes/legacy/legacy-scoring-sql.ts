/**
 * What upstream's gene detail and evidence endpoints read from its `combined_evidence_scores` view, written
 * as the legacy arm's own CTE (the views arm's chain is not shared: see legacy-gene-sql.ts). One row per
 * scored gene_evidence row: (evidence_id, gene_id, source_name, normalized_score). The normalized score is
 * the percent_rank of ln(1 + count) within the source for count-based sources, and the classification weight
 * for GenCC and ClinGen (docs/scoring.md).
 */

/** How a ClinGen row's classifications are weighed. */
export type ClinGenWeighting =
  /** kgdb: the strongest classification, as for GenCC (order-independent; the legacy arm follows the views). */
  | 'strongest'
  /** Upstream: the first element of the list only (order-dependent). Kept to prove declared differences. */
  | 'first';

/** evidence_data -> key as an array, or an empty one for a missing key, a null or any other JSON type. */
const arrayAt = (key: string) =>
  `(case jsonb_typeof(ge.evidence_data -> '${key}') when 'array' then ge.evidence_data -> '${key}' else '[]'::jsonb end)`;

const lengthAt = (key: string) => `jsonb_array_length(${arrayAt(key)})`;

/** A whole-number count stored as a JSON number or digit string (≤ 18 digits), else NULL so the fallback applies. */
const wholeAt = (key: string) =>
  `(case when ge.evidence_data ->> '${key}' similar to '[0-9]{1,18}(.0+)?'
         then trunc((ge.evidence_data ->> '${key}')::numeric)::bigint end)`;

const weightOf = (value: string) => `(case lower(${value})
           when 'definitive' then 1.0 when 'strong' then 0.8 when 'moderate' then 0.6
           when 'supportive' then 0.5 when 'limited' then 0.4
           when 'disputed' then 0.2 when 'disputed evidence' then 0.2
           else 0.0 end)`;

/** A JSON string element's text, NULL for any other JSON type (which then weighs 0). */
const stringElement = (element: string) =>
  `(case jsonb_typeof(${element}) when 'string' then ${element} #>> '{}' end)`;

function weightSql(source: 'GenCC' | 'ClinGen', weighting: ClinGenWeighting): string {
  if (source === 'ClinGen' && weighting === 'first') {
    return `coalesce(${weightOf(`${arrayAt('classifications')} ->> 0`)}, 0.0)`;
  }
  return `coalesce((select max(${weightOf(stringElement('c.value'))})
                      from jsonb_array_elements(${arrayAt('classifications')}) as c(value)), 0.0)`;
}

/**
 * `legacy_scores` as a CTE body. Every JSON access is guarded, so odd evidence_data counts as 0 instead of
 * failing the request (kgdb fix: upstream's casts raised on a non-array or a non-numeric count).
 */
export function legacyScoresCte(weighting: ClinGenWeighting): string {
  return `legacy_counts as (
  select ge.id as evidence_id, ge.gene_id, ge.source_name,
         case ge.source_name
           when 'PanelApp' then ${lengthAt('panels')}
           when 'HPO' then ${lengthAt('hpo_terms')} + ${lengthAt('diseases')}
           when 'PubTator' then coalesce(${wholeAt('publication_count')}, ${lengthAt('pmids')})
           when 'DiagnosticPanels' then coalesce(${wholeAt('panel_count')}, ${lengthAt('panels')})
           when 'Literature' then coalesce(${wholeAt('publication_count')}, ${lengthAt('publications')})
           else 0
         end as n
    from gene_evidence ge
   where ge.source_name not in ('GenCC', 'ClinGen')
),
legacy_scores as (
  select c.evidence_id, c.gene_id, c.source_name,
         (percent_rank() over (partition by c.source_name order by ln(1 + c.n::float8)))::float8 as normalized_score
    from legacy_counts c
   where c.n > 0
  union all
  select ge.id, ge.gene_id, ge.source_name,
         (case ge.source_name when 'GenCC' then ${weightSql('GenCC', weighting)}
                              else ${weightSql('ClinGen', weighting)} end)::float8
    from gene_evidence ge
   where ge.source_name in ('GenCC', 'ClinGen')
)`;
}
