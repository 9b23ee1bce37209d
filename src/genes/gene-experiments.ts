import type { LegacyLogRepository } from '../logs/legacy/legacy-log-repository.js';
import { parseLogQuery } from '../logs/log-query.js';
import type { LogPage, LogQuery, LogRepository } from '../logs/log-repository.js';
import type { ExperimentDefinition, ExperimentRegistry } from '../rollout/experiments/experiment-registry.js';
import { clinGenDetailRule, clinGenEvidenceRule, estimatedLogTotalRule } from './gene-experiments-rules.js';
import { toGeneListQuery } from './gene-list-query.js';
import type { GeneDetail, GeneEvidence, GeneListQuery, GenePage, GeneRepository } from './gene-repository.js';
import type { GeneListQuerystring } from './gene-schemas.js';

/**
 * The experiments the gene and admin-log routes run through the rollout switch (legacy = control, views =
 * candidate) and that the shadow-test admin API can run on demand. The rollout module knows nothing of genes;
 * this file is where the two meet.
 */
export interface DomainRepositories {
  /** The control: upstream's SQL ported (docs/legacy-arm.md). */
  legacyGenes: GeneRepository;
  /** The candidate as compared: the views uncached, so its durations are a cache miss's. */
  viewGenes: GeneRepository;
  /** What serves callers on the views arm: the same repository behind the cache. Default `viewGenes`. */
  servedGenes?: GeneRepository;
  legacyLogs: LegacyLogRepository;
  viewLogs: LogRepository;
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

const LOG_SAMPLES = [
  {},
  { sort_by: 'duration_ms', sort_order: 'desc' },
  { level: 'ERROR' },
  { limit: 500, sort_order: 'asc' },
  { source: 'kgdb', offset: 100, limit: 50 },
];

/** `GET /api/genes/`: a sorted page, so the order is part of the contract. */
export function geneListExperiment(r: DomainRepositories): ExperimentDefinition<GeneListQuery, GenePage> {
  const served = r.servedGenes ?? r.viewGenes;
  return {
    name: 'gene_list',
    description: "GET /api/genes/: upstream's count + page on gene_scores vs gene_list_detailed",
    sampleRequests: () => GENE_LIST_SAMPLES.map(toGeneListQuery),
    control: (q) => r.legacyGenes.list(q),
    candidate: (q) => r.viewGenes.list(q),
    serve: (q) => served.list(q),
    ordered: true,
  };
}

/** `GET /api/genes/{symbol}`. */
export function geneDetailExperiment(
  r: DomainRepositories,
): ExperimentDefinition<string, GeneDetail | undefined> {
  const served = r.servedGenes ?? r.viewGenes;
  return {
    name: 'gene_detail',
    description:
      'GET /api/genes/{symbol}: genes + gene_scores + inline combined scores vs gene_list_detailed',
    sampleRequests: () => GENE_SYMBOLS,
    control: (symbol) => r.legacyGenes.findBySymbol(symbol),
    candidate: (symbol) => r.viewGenes.findBySymbol(symbol),
    serve: (symbol) => served.findBySymbol(symbol),
    rules: [clinGenDetailRule],
    describe: (symbol) => ({ symbol }),
  };
}

/** `GET /api/genes/{symbol}/evidence`: rows in source order. */
export function geneEvidenceExperiment(
  r: DomainRepositories,
): ExperimentDefinition<string, GeneEvidence | undefined> {
  const served = r.servedGenes ?? r.viewGenes;
  return {
    name: 'gene_evidence',
    description: 'GET /api/genes/{symbol}/evidence: gene_evidence + inline combined scores vs gene_scores',
    sampleRequests: () => GENE_SYMBOLS,
    control: (symbol) => r.legacyGenes.evidence(symbol),
    candidate: (symbol) => r.viewGenes.evidence(symbol),
    serve: (symbol) => served.evidence(symbol),
    ordered: true,
    rules: [clinGenEvidenceRule],
    describe: (symbol) => ({ symbol }),
  };
}

/** `GET /api/admin/logs/`: a sorted page. */
export function adminLogsExperiment(r: DomainRepositories): ExperimentDefinition<LogQuery, LogPage> {
  return {
    name: 'admin_logs',
    description: "GET /api/admin/logs/: upstream's SELECT + COUNT(*) on system_logs vs admin_logs_filtered",
    sampleRequests: () => LOG_SAMPLES.map((p) => parseLogQuery(p)),
    control: (q) => r.legacyLogs.query(q),
    candidate: (q) => r.viewLogs.query(q),
    ordered: true,
    rules: [estimatedLogTotalRule],
  };
}

export interface DomainExperiments {
  geneList: ExperimentDefinition<GeneListQuery, GenePage>;
  geneDetail: ExperimentDefinition<string, GeneDetail | undefined>;
  geneEvidence: ExperimentDefinition<string, GeneEvidence | undefined>;
  adminLogs: ExperimentDefinition<LogQuery, LogPage>;
}

/** Builds the definitions and registers them (the shadow-test API lists and runs them by name). */
export function registerDomainExperiments(
  registry: ExperimentRegistry,
  r: DomainRepositories,
): DomainExperiments {
  const experiments = {
    geneList: geneListExperiment(r),
    geneDetail: geneDetailExperiment(r),
    geneEvidence: geneEvidenceExperiment(r),
    adminLogs: adminLogsExperiment(r),
  };
  registry.register(experiments.geneList);
  registry.register(experiments.geneDetail);
  registry.register(experiments.geneEvidence);
  registry.register(experiments.adminLogs);
  return experiments;
}
