import type { SourceName } from '../import/import-types.js';
import type { DemoGene } from './demo-genes.js';
import { type DemoPaper, PAPER_WEIGHTS } from './demo-papers.js';
import { CLINGEN_CLASSIFICATIONS, GENCC_CLASSIFICATIONS } from './evidence-sources.js';
import {
  CLINGEN_EXPERT_PANELS,
  DISEASE_NAMES,
  GENCC_SUBMITTERS,
  HPO_TERMS,
  MODES_OF_INHERITANCE,
  MOI_SHORT,
  PANEL_PROVIDERS,
  PANELAPP_EVIDENCE_LEVELS,
  PANELAPP_PANELS,
} from './evidence-vocab.js';
import type { Rng } from './rng.js';

/** What one (gene, source) row holds besides ids and timestamps. */
export interface EvidenceContent {
  source_detail: string;
  evidence_data: Record<string, unknown>;
}

export interface EvidenceInput {
  rng: Rng;
  gene: DemoGene;
  papers: readonly DemoPaper[];
}

/**
 * PubTator keeps at most this many PMIDs (and 10 mentions) per gene while publication_count stays the full,
 * long-tailed number: a core gene has ~1,500 papers, and 350,000 rows × 1,500 PMIDs would be gigabytes.
 * The scoring view reads publication_count first, so scores are unaffected.
 */
export const PUBTATOR_STORED_PMIDS = 20;
const PUBTATOR_STORED_MENTIONS = 10;

/** A long-tailed count: a log-normal around `median`, rounded and kept within 1..max. */
function tailCount(rng: Rng, median: number, sigma: number, max: number): number {
  return Math.min(max, Math.max(1, Math.round(rng.logNormal(median, sigma))));
}

/** Per gene kind: [median, sigma] of a count, so real genes carry rich evidence and synthetic ones a long tail. */
function byKind(
  gene: DemoGene,
  core: [number, number],
  known: [number, number],
  synthetic: [number, number],
) {
  return gene.kind === 'core' ? core : gene.kind === 'known' ? known : synthetic;
}

/** Synthetic genes get a kidney disease name with an OMIM-style id starting with 9, a prefix OMIM never uses. */
function diseaseFor(rng: Rng, gene: DemoGene): { id: string; name: string } {
  if (gene.disease && rng.chance(0.8)) return gene.disease;
  return { id: `OMIM:9${String(rng.int(0, 99_999)).padStart(5, '0')}`, name: rng.pick(DISEASE_NAMES) };
}

function weightedPick<T>(rng: Rng, items: readonly T[], weights: readonly number[]): T {
  let total = 0;
  for (const w of weights) total += w;
  let u = rng.float() * total;
  for (let i = 0; i < items.length; i++) {
    u -= weights[i] as number;
    if (u < 0) return items[i] as T;
  }
  return items[items.length - 1] as T;
}

/** Submitters write titles in their own case; the scoring view compares case-insensitively. */
function varyCase(rng: Rng, title: string): string {
  const u = rng.float();
  return u < 0.8 ? title : u < 0.92 ? title.toLowerCase() : title.toUpperCase();
}

/** Distinct titles in first-seen order, compared case-insensitively (the first spelling wins). */
function distinctTitles(titles: readonly string[]): string[] {
  const seen = new Set<string>();
  return titles.filter((t) => !seen.has(t.toLowerCase()) && seen.add(t.toLowerCase()));
}

function isoDate(rng: Rng, fromYear: number, toYear: number): string {
  const month = String(rng.int(1, 12)).padStart(2, '0');
  return `${rng.int(fromYear, toYear)}-${month}-${String(rng.int(1, 28)).padStart(2, '0')}`;
}

/** Weights over PANELAPP_EVIDENCE_LEVELS (Expert Review Green, Amber, Red, Green, Amber) per gene kind. */
const LEVEL_WEIGHTS = {
  core: [0.85, 0, 0, 0.15, 0],
  known: [0.6, 0.15, 0, 0.2, 0.05],
  synthetic: [0.2, 0.3, 0.25, 0.1, 0.15],
} as const;

function panelApp({ rng, gene }: EvidenceInput): EvidenceContent {
  const [median, sigma] = byKind(gene, [6, 0.3], [3, 0.5], [1.3, 0.7]);
  const panels = rng
    .sample(PANELAPP_PANELS, tailCount(rng, median, sigma, PANELAPP_PANELS.length))
    .map((p) => ({
      ...p,
      version: `${rng.int(1, 4)}.${rng.int(0, 120)}`,
    }));
  const regions = [...new Set(panels.map((p) => p.region))].sort();
  // Real kidney genes are green on most panels; synthetic ones are spread over green, amber and red.
  const levels = distinctTitles(
    panels.map(() => weightedPick(rng, PANELAPP_EVIDENCE_LEVELS, LEVEL_WEIGHTS[gene.kind])),
  );
  const phenotypes = Array.from({ length: rng.int(1, 3) }, () => {
    const d = diseaseFor(rng, gene);
    return `${d.name}, ${d.id}`;
  });
  return {
    source_detail: `${panels.length} panel(s): ${regions.join(', ')}`,
    evidence_data: {
      panels,
      regions,
      phenotypes: [...new Set(phenotypes)],
      modes_of_inheritance: rng.sample(MODES_OF_INHERITANCE, rng.int(1, 2)),
      evidence_levels: levels,
      panel_count: panels.length,
    },
  };
}

function hpo({ rng, gene }: EvidenceInput): EvidenceContent {
  const [median, sigma] = byKind(gene, [18, 0.3], [8, 0.5], [3, 0.8]);
  const terms = rng.sample(HPO_TERMS, tailCount(rng, median, sigma, HPO_TERMS.length)).sort();
  const data: Record<string, unknown> = { hpo_terms: terms };
  let diseaseCount = 0;
  // `diseases` is optional for HPO (docs/data-model.md); a third of synthetic rows leave it out entirely.
  if (gene.kind !== 'synthetic' || rng.chance(0.67)) {
    const diseases = Array.from({ length: rng.int(1, 3) }, () => diseaseFor(rng, gene));
    const unique = [...new Map(diseases.map((d) => [d.id, d])).values()];
    data.diseases = unique;
    diseaseCount = unique.length;
  }
  data.evidence_score =
    Math.round(Math.min(1, 0.1 + 0.025 * terms.length + 0.1 * diseaseCount) * 1000) / 1000;
  return { source_detail: 'HPO phenotype annotations', evidence_data: data };
}

function pubTator({ rng, gene }: EvidenceInput): EvidenceContent {
  const [median, sigma] = byKind(gene, [1500, 0.5], [150, 0.9], [4, 1.4]);
  const count = Math.max(1, Math.round(rng.logNormal(median, sigma)));
  const pmids = new Set<string>();
  while (pmids.size < Math.min(count, PUBTATOR_STORED_PMIDS))
    pmids.add(String(rng.int(10_000_000, 39_999_999)));
  const sorted = [...pmids].sort().reverse();
  const names = [gene.approved_symbol, ...gene.aliases];
  const mentions = sorted
    .slice(0, PUBTATOR_STORED_MENTIONS)
    .map((pmid) => ({ pmid, text: rng.pick(names), type: 'Gene' }));
  return {
    source_detail: 'PubTator3 gene mentions',
    evidence_data: {
      publication_count: count,
      pmids: sorted,
      mentions,
      // A paper that mentions a gene names it ~2.5 times on average, never less than once.
      total_mentions: Math.max(count, Math.round(count * rng.logNormal(2.5, 0.35))),
    },
  };
}

function diagnosticPanels({ rng, gene }: EvidenceInput): EvidenceContent {
  const [median, sigma] = byKind(gene, [9, 0.01], [7, 0.2], [1.6, 0.7]);
  const chosen = rng.sample(PANEL_PROVIDERS, tailCount(rng, median, sigma, PANEL_PROVIDERS.length));
  const panels: string[] = [];
  for (const { panels: offered } of chosen) {
    // Multi-panel providers list a gene on a Pareto-distributed number of their panels, broad ones first.
    const n = Math.min(offered.length, Math.round(rng.pareto(1, 1.2)));
    panels.push(...rng.sample(offered.slice(0, Math.min(offered.length, n * 2)), n));
  }
  const providers = chosen.map((c) => c.provider);
  const distinct = [...new Set(panels)];
  return {
    source_detail: providers.join(', '),
    evidence_data: {
      panel_count: distinct.length,
      panels: distinct,
      providers,
      provider_count: providers.length,
      hgnc_ids: [gene.hgnc_id],
    },
  };
}

const GENCC_WEIGHTS = {
  core: [0.8, 0.1, 0.02, 0.08, 0, 0, 0, 0],
  known: [0.35, 0.25, 0.15, 0.15, 0.08, 0.02, 0, 0],
  synthetic: [0.04, 0.08, 0.16, 0.2, 0.32, 0.1, 0.06, 0.04],
} as const;

function genCc({ rng, gene }: EvidenceInput): EvidenceContent {
  const [median, sigma] = byKind(gene, [8, 0.3], [3, 0.5], [1.3, 0.6]);
  const submitters = rng.sample(GENCC_SUBMITTERS, tailCount(rng, median, sigma, GENCC_SUBMITTERS.length));
  const submissions = submitters.map((submitter) => {
    const disease = diseaseFor(rng, gene);
    return {
      submitter,
      classification: varyCase(rng, weightedPick(rng, GENCC_CLASSIFICATIONS, GENCC_WEIGHTS[gene.kind])),
      disease_name: disease.name,
      disease_curie: disease.id,
      mode_of_inheritance: rng.pick(MOI_SHORT),
      submitted_date: isoDate(rng, 2019, 2024),
    };
  });
  return {
    source_detail: `${submissions.length} GenCC submission(s)`,
    evidence_data: {
      classifications: distinctTitles(submissions.map((s) => s.classification)),
      submissions,
      diseases: [...new Set(submissions.map((s) => s.disease_name))],
      submitters,
    },
  };
}

const CLINGEN_WEIGHTS = {
  core: [0.9, 0.1, 0, 0, 0, 0],
  known: [0.45, 0.25, 0.2, 0.1, 0, 0],
  synthetic: [0.05, 0.08, 0.2, 0.4, 0.17, 0.1],
} as const;

function clinGen({ rng, gene }: EvidenceInput): EvidenceContent {
  // Most genes have one gene–disease validity; some have two or three (different diseases or panels).
  const n = gene.kind === 'core' ? rng.int(1, 3) : rng.chance(0.15) ? rng.int(2, 3) : 1;
  const validities = Array.from({ length: n }, () => {
    const disease = diseaseFor(rng, gene);
    return {
      classification: varyCase(rng, weightedPick(rng, CLINGEN_CLASSIFICATIONS, CLINGEN_WEIGHTS[gene.kind])),
      disease_label: disease.name,
      disease_id: disease.id,
      mode_of_inheritance: rng.pick(MOI_SHORT),
      expert_panel: rng.pick(CLINGEN_EXPERT_PANELS),
      report_date: isoDate(rng, 2018, 2024),
    };
  });
  const expertPanels = [...new Set(validities.map((v) => v.expert_panel))];
  return {
    source_detail: expertPanels.join('; '),
    evidence_data: {
      classifications: distinctTitles(validities.map((v) => v.classification)),
      validities,
      expert_panels: expertPanels,
    },
  };
}

function literature({ rng, gene, papers }: EvidenceInput): EvidenceContent {
  const [median, sigma] = byKind(gene, [9, 0.2], [4, 0.4], [1.4, 0.7]);
  const picked = rng
    .weightedSample(PAPER_WEIGHTS, tailCount(rng, median, sigma, papers.length))
    .map((i) => papers[i] as DemoPaper);
  const publications = picked.map((p) => p.pmid);
  const details = Object.fromEntries(picked.map(({ pmid, ...rest }) => [pmid, rest]));
  return {
    source_detail: `${publications.length} publication(s)`,
    evidence_data: {
      publication_count: publications.length,
      publications,
      publication_details: details,
    },
  };
}

const BUILDERS: Record<SourceName, (input: EvidenceInput) => EvidenceContent> = {
  PanelApp: panelApp,
  HPO: hpo,
  PubTator: pubTator,
  DiagnosticPanels: diagnosticPanels,
  GenCC: genCc,
  ClinGen: clinGen,
  Literature: literature,
};

/**
 * evidence_data (the keys of docs/data-model.md, "evidence_data per source") and source_detail for one gene and
 * source. Pure.
 */
export function buildEvidence(source: SourceName, input: EvidenceInput): EvidenceContent {
  return BUILDERS[source](input);
}
