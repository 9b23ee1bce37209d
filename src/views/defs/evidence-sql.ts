/**
 * The per-row scoring rules (docs/scoring.md, steps 1–2) as SQL expressions over a gene_evidence row aliased
 * `ge`: evidence_source_counts and evidence_classification_weights are built from them. The legacy arm writes the
 * same rules in its own SQL (src/genes/legacy/legacy-scoring-sql.ts) so that the two arms share no code that could
 * be wrong in both; the experiments check that they agree.
 */

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

/** Scoring step 1: the source's evidence count (bigint); every JSON access guarded, so it never raises. */
export const SOURCE_COUNT_SQL = `(case ge.source_name
          when 'PanelApp' then ${len('panels')}
          when 'HPO' then ${len('hpo_terms')} + ${len('diseases')}
          when 'PubTator' then coalesce(${num('publication_count')}, ${len('pmids')})
          when 'DiagnosticPanels' then coalesce(${num('panel_count')}, ${len('panels')})
          when 'GenCC' then ${len('classifications')}
          when 'ClinGen' then 1
          when 'Literature' then coalesce(${num('publication_count')}, ${len('publications')})
          else 0
        end)::bigint`;

/**
 * Scoring step 2: the MAXIMUM weight over the row's classifications, case-insensitive (float8). A missing, empty
 * or non-array `classifications` gives 0.0; a non-string element weighs 0.0.
 */
export const CLASSIFICATION_WEIGHT_SQL = `coalesce(
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
         0.0)::float8`;
