import type { ArmRequest, ArmSwitch } from '../rollout/experiments/arm-switch.js';
import type { ExperimentRegistry } from '../rollout/experiments/experiment-registry.js';
import { VIEWS_ROLLOUT } from '../rollout-plan.js';
import { adminLogsExperiment } from './log-experiments.js';
import type { CleanupResult, LogPage, LogQuery, LogRepository, LogStatistics } from './log-repository.js';

/** What the admin-log routes call. */
export interface LogService {
  query(query: LogQuery, caller: ArmRequest): Promise<LogPage>;
  statistics(hours: number, now: Date, caller: ArmRequest): Promise<LogStatistics>;
  cleanup(days: number, now: Date, caller: ArmRequest): Promise<CleanupResult>;
  /** Adds admin_logs, so the shadow-test API can run it on demand. */
  registerExperiments(registry: Pick<ExperimentRegistry, 'register'>): void;
}

export interface LogServiceDeps {
  /** The control: upstream's SELECT + COUNT(*) on system_logs; it has no statistics or cleanup. */
  legacy: Pick<LogRepository, 'query'>;
  /** The views arm (admin_logs_filtered); nothing of it is cached. */
  views: LogRepository;
  /** The views that serve callers; default `views` (a read replica's: docs/read-replica.md). */
  servedViews?: LogRepository;
  rollout: Pick<ArmSwitch, 'run'>;
}

/**
 * The log page goes through the rollout switch like a gene request (src/genes/gene-service.ts): the rollout
 * flag picks the arm, the shadow flag samples comparisons. Statistics and cleanup have no legacy counterpart:
 * the views serve them and label the caller so, for the metrics and Server-Timing.
 */
export function createLogService(deps: LogServiceDeps): LogService {
  const served = deps.servedViews ?? deps.views;
  const logs = adminLogsExperiment({ legacy: deps.legacy, views: deps.views, served });
  const onViews = (caller: ArmRequest) => {
    caller.arm = VIEWS_ROLLOUT.arms.on;
    return served;
  };
  return {
    query: (query, caller) => deps.rollout.run(logs, query, caller),
    statistics: (hours, now, caller) => onViews(caller).statistics(hours, now),
    cleanup: (days, now, caller) => onViews(caller).cleanup(days, now),
    registerExperiments: (registry) => registry.register(logs),
  };
}
