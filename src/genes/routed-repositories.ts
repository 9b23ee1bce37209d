import type { FastifyRequest } from 'fastify';
import type { LogRepository } from '../logs/log-repository.js';
import type { ArmSwitch } from '../rollout/experiments/arm-switch.js';
import { VIEWS_ARM } from '../rollout-plan.js';
import type { DomainExperiments } from './gene-experiments.js';
import type { GeneRepository } from './gene-repository.js';

/**
 * The gene routes and GET /api/admin/logs/ go through the rollout switch (flag use_database_views on for this
 * caller → views; otherwise legacy, with views as the shadow candidate on the sampled share). Log statistics
 * and cleanup have no legacy counterpart: the views serve them, and say so (request.arm, Server-Timing).
 */
export function routedGeneRepository(
  armSwitch: ArmSwitch,
  experiments: DomainExperiments,
): (request: FastifyRequest) => GeneRepository {
  return (request) => ({
    list: (query) => armSwitch.run(experiments.geneList, query, request),
    findBySymbol: (symbol) => armSwitch.run(experiments.geneDetail, symbol, request),
    evidence: (symbol) => armSwitch.run(experiments.geneEvidence, symbol, request),
  });
}

export function routedLogRepository(
  armSwitch: ArmSwitch,
  experiments: DomainExperiments,
  views: LogRepository,
): (request: FastifyRequest) => LogRepository {
  const onViews = (request: FastifyRequest) => {
    request.arm = VIEWS_ARM;
    return views;
  };
  return (request) => ({
    query: (query) => armSwitch.run(experiments.adminLogs, query, request),
    statistics: (hours, now) => onViews(request).statistics(hours, now),
    cleanup: (days, now) => onViews(request).cleanup(days, now),
  });
}
