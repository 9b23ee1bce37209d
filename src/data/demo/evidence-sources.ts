import type { SOURCES } from '../import/import-types.js';

/**
 * How likely a gene with k sources has each one (relative weights, in SOURCES order). Text mining
 * (PubTator) and commercial panels reach far more genes than expert curation (ClinGen), as in upstream's
 * production data, so a gene with one source almost always has PubTator or DiagnosticPanels.
 */
export const SOURCE_WEIGHTS: Readonly<Record<(typeof SOURCES)[number], number>> = {
  PanelApp: 5,
  HPO: 6,
  PubTator: 10,
  DiagnosticPanels: 8,
  GenCC: 3,
  ClinGen: 1.2,
  Literature: 4,
};

/** Classification titles as each curated source spells them (docs/data-model.md, "evidence_data per source"). */
export const GENCC_CLASSIFICATIONS = [
  'Definitive',
  'Strong',
  'Moderate',
  'Supportive',
  'Limited',
  'Disputed Evidence',
  'No Known Disease Relationship',
  'Refuted Evidence',
] as const;

export const CLINGEN_CLASSIFICATIONS = [
  'Definitive',
  'Strong',
  'Moderate',
  'Limited',
  'Disputed',
  'No Known Disease Relationship',
] as const;
