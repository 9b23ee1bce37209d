import type { FastifyRequest } from 'fastify';
import type { GeneRepository } from '../genes/gene-repository.js';
import type { LogRepository } from '../logs/log-repository.js';
import type { ArmSwitch } from '../rollout/experiment-switch.js';
import type { DomainExperiments } from './domain-experiments.js';

/**
 * Issue 5 item 3: GET /api/genes/, /api/genes/{symbol} and GET /api/admin/logs/ go through the rollout switch
 * (flag use_database_views on for this caller → views; otherwise legacy, with views as the shadow candidate on
 * the sampled share). Routes without an experiment (evidence, log statistics and cleanup) read the views path.
 */
export function routedGeneRepository(
  armSwitch: ArmSwitch,
  experiments: DomainExperiments,
  views: GeneRepository,
): (request: FastifyRequest) => GeneRepository {
  return (request) => ({
    list: (query) => armSwitch.run(experiments.geneList, query, request),
    findBySymbol: (symbol) => armSwitch.run(experiments.geneDetail, symbol, request),
    evidence: (symbol) => views.evidence(symbol),
  });
}

export function routedLogRepository(
  armSwitch: ArmSwitch,
  experiments: DomainExperiments,
  views: LogRepository,
): (request: FastifyRequest) => LogRepository {
  return (request) => ({
    query: (query) => armSwitch.run(experiments.adminLogs, query, request),
    statistics: (hours, now) => views.statistics(hours, now),
    cleanup: (days, now) => views.cleanup(days, now),
  });
}
