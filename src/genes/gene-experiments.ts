import type { ExperimentDefinition } from '../rollout/experiments/experiment-registry.js';
import { clinGenDetailRule, clinGenEvidenceRule } from './gene-differences.js';
import { toGeneListQuery } from './gene-list-query.js';
import type { GeneDetail, GeneEvidence, GeneListQuery, GenePage, GeneRepository } from './gene-repository.js';
import type { GeneListQuerystring } from './gene-schemas.js';

/** The three ways a gene request can be answered (docs/architecture.md, "The request path"). */
export interface GeneArms {
  /** The control: upstream's SQL ported (docs/legacy-arm.md). */
  legacy: GeneRepository;
  /** The candidate as compared: the views uncached, so its durations are a cache miss's. */
  views: GeneRepository;
  /** What answers callers on the views arm: the views behind the cache. Default `views`. */
  served?: GeneRepository;
}

/** Representative list requests for run-single / run-batch: default page, sorts, filters, a deep page. */
const GENE_LIST_SAMPLES: GeneListQuerystring[] = [
  {},
  { sort: 'approved_symbol' },
  { sort: '-evidence_count,approved_symbol', 'page[size]': 100 },
  { 'filter[tier]': 'comprehensive_support,multi_source_support' },
  { 'filter[group]': 'emerging_evidence', sort: 'evidence_score' },
  { 'filter[search]': 'PKD' },
  { 'filter[hide_zero_scores]': false, 'page[number]': 3, 'page[size]': 50 },
  { 'filter[min_score]': 20, 'filter[max_score]': 80, sort: '-updated_at' },
  { 'filter[source]': 'Literature' },
];

const GENE_SYMBOLS = ['PKD1', 'PKD2', 'NPHS1', 'NPHS2', 'COL4A5', 'UMOD', 'HNF1B', 'pkd1', 'NO_SUCH_GENE'];

/** `GET /api/genes/`: a sorted page, so the order is part of the contract. */
export function geneListExperiment(arms: GeneArms): ExperimentDefinition<GeneListQuery, GenePage> {
  const served = arms.served ?? arms.views;
  return {
    name: 'gene_list',
    description: "GET /api/genes/: upstream's count + page on gene_scores vs gene_list_detailed",
    sampleRequests: () => GENE_LIST_SAMPLES.map(toGeneListQuery),
    control: (q) => arms.legacy.list(q),
    candidate: (q) => arms.views.list(q),
    serve: (q) => served.list(q),
    ordered: true,
  };
}

/** `GET /api/genes/{symbol}`. */
export function geneDetailExperiment(arms: GeneArms): ExperimentDefinition<string, GeneDetail | undefined> {
  const served = arms.served ?? arms.views;
  return {
    name: 'gene_detail',
    description:
      'GET /api/genes/{symbol}: genes + gene_scores + inline combined scores vs gene_list_detailed',
    sampleRequests: () => GENE_SYMBOLS,
    control: (symbol) => arms.legacy.findBySymbol(symbol),
    candidate: (symbol) => arms.views.findBySymbol(symbol),
    serve: (symbol) => served.findBySymbol(symbol),
    rules: [clinGenDetailRule],
    describe: (symbol) => ({ symbol }),
  };
}

/** `GET /api/genes/{symbol}/evidence`: rows in source order. */
export function geneEvidenceExperiment(
  arms: GeneArms,
): ExperimentDefinition<string, GeneEvidence | undefined> {
  const served = arms.served ?? arms.views;
  return {
    name: 'gene_evidence',
    description: 'GET /api/genes/{symbol}/evidence: gene_evidence + inline combined scores vs gene_scores',
    sampleRequests: () => GENE_SYMBOLS,
    control: (symbol) => arms.legacy.evidence(symbol),
    candidate: (symbol) => arms.views.evidence(symbol),
    serve: (symbol) => served.evidence(symbol),
    ordered: true,
    rules: [clinGenEvidenceRule],
    describe: (symbol) => ({ symbol }),
  };
}
