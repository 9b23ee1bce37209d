import type { DifferenceRule } from '../rollout/experiments/difference-rules.js';
import type { Difference } from '../rollout/experiments/experiment-types.js';
import type { GeneDetail, GeneEvidence } from './gene-repository.js';

/**
 * The differences between the legacy arm and the views arm that are known and harmless, declared by name
 * (docs/rollout.md, "Declared differences"). A run whose every difference one of these explains counts as
 * `ignored: <name>`, its diff kept; anything else is a mismatch.
 */

const CLINGEN_DESCRIPTION =
  'The views score a ClinGen row by its strongest classification; upstream scored only the first one listed, so ' +
  'its ClinGen score depended on the order of the list. Only ClinGen scores may differ.';

const at = (d: Difference, ...path: (string | number)[]) =>
  d.segments.length === path.length && path.every((p, i) => d.segments[i] === p);

/** Gene detail: only `score_breakdown.ClinGen` differs. */
export const clinGenDetailRule: DifferenceRule<GeneDetail | undefined> = {
  name: 'clingen_strongest_classification',
  description: CLINGEN_DESCRIPTION,
  explains: (d) => d.kind === 'changed' && at(d, 'score_breakdown', 'ClinGen'),
};

/** Gene evidence: only the normalized score of ClinGen rows differs. */
export const clinGenEvidenceRule: DifferenceRule<GeneEvidence | undefined> = {
  name: 'clingen_strongest_classification',
  description: CLINGEN_DESCRIPTION,
  explains: (d, control) => {
    const [list, index, field] = d.segments;
    if (
      d.kind !== 'changed' ||
      list !== 'evidence' ||
      field !== 'normalized_score' ||
      d.segments.length !== 3
    )
      return false;
    return typeof index === 'number' && control?.evidence[index]?.source_name === 'ClinGen';
  },
};
