import type { DifferenceRule } from '../rollout/experiments/difference-rules.js';
import type { ExperimentDefinition } from '../rollout/experiments/experiment-registry.js';
import { parseLogQuery } from './log-query.js';
import type { LogPage, LogQuery, LogRepository } from './log-repository.js';

/**
 * Admin logs: above 10,000 matching rows the views arm reports the planner's estimate (total_exact false)
 * where the legacy arm counts every row, as upstream did. Only the total and its exactness may differ.
 */
const estimatedLogTotalRule: DifferenceRule<LogPage> = {
  name: 'estimated_log_total',
  description:
    'Above 10,000 matching rows the views arm reports the planner estimate (total_exact: false); the legacy arm ' +
    'counts every row. Only total and totalExact may differ, and only when the views say the total is estimated.',
  explains: (d, _control, candidate) =>
    candidate.totalExact === false &&
    d.kind === 'changed' &&
    d.segments.length === 1 &&
    (d.segments[0] === 'total' || d.segments[0] === 'totalExact'),
};

/** Representative requests for the shadow-test API's run-single / run-batch. */
const LOG_SAMPLES = [
  {},
  { sort_by: 'duration_ms', sort_order: 'desc' },
  { level: 'ERROR' },
  { limit: 500, sort_order: 'asc' },
  { source: 'kgdb', offset: 100, limit: 50 },
];

/** `GET /api/admin/logs/`: a sorted page; legacy (upstream's SELECT + COUNT(*)) is the control. */
export function adminLogsExperiment(arms: {
  legacy: Pick<LogRepository, 'query'>;
  views: LogRepository;
  /** What serves callers on the views arm (a read replica's views, or `views`). */
  served: Pick<LogRepository, 'query'>;
}): ExperimentDefinition<LogQuery, LogPage> {
  return {
    name: 'admin_logs',
    description: "GET /api/admin/logs/: upstream's SELECT + COUNT(*) on system_logs vs admin_logs_filtered",
    sampleRequests: () => LOG_SAMPLES.map((p) => parseLogQuery(p)),
    control: (q) => arms.legacy.query(q),
    candidate: (q) => arms.views.query(q),
    serve: (q) => arms.served.query(q),
    ordered: true,
    rules: [estimatedLogTotalRule],
  };
}
