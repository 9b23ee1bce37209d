import { Registry } from 'prom-client';
import { createMetrics, type Metrics } from '../../src/metrics/metrics.js';
import type { RolloutPlan } from '../../src/rollout/experiments/experiment-types.js';
import { VIEWS_ROLLOUT } from '../../src/rollout-plan.js';

/**
 * What a test's own rollout deps need besides the pool and flags: kgdb's plan, metrics on a registry of their
 * own, and no signed-in users (these tests' callers are told apart by X-Client-Id).
 */
export function rolloutTestOptions(): { plan: RolloutPlan; userIdOf: () => null; metrics: Metrics } {
  return { plan: VIEWS_ROLLOUT, userIdOf: () => null, metrics: createMetrics(new Registry()) };
}
