import type { Role } from '../auth/roles.js';
import { namespaceDetail } from '../cache/cache-routes.js';
import type { CacheStats } from '../cache/cache-types.js';
import type { GuardThresholdSettings } from '../config.js';
import type { Pool } from '../db/pool.js';
import { type ArmSummary, armSummary } from '../metrics/views-summary.js';
import type { RolloutPlan } from '../rollout/experiments/experiment-types.js';
import { experimentResults } from '../rollout/experiments/shadow-results.js';
import type { FlagStore } from '../rollout/flags/flag-store.js';
import { readVerdicts } from '../rollout/guard/guard-verdict-store.js';
import { readSamples, type StoredSample } from '../rollout/window/rollout-window-samples.js';
import { readArmBuckets, readComparisonBuckets } from '../rollout/window/rollout-window-series.js';
import { readArmTotals, readExperimentTotals } from '../rollout/window/rollout-window-store.js';
import { type ViewStatusReport, viewStatus } from '../views/status.js';
import type { ViewDef } from '../views/view-def.js';
import { type EvidenceSeries, evidenceSeries } from './console-series.js';
import { type FlagPanel, flagPanel } from './flag-panel.js';

/** What the console reads; every part is generic machinery the composition root hands over. */
export interface ConsoleSources {
  pool: Pool;
  flags: Pick<FlagStore, 'list' | 'events'>;
  /** The rollout the evidence charts compare: the candidate `on` against the control `off`. */
  plan: Pick<RolloutPlan, 'flag' | 'arms'>;
  /** Experiments registered in this process (listed even before they ran). */
  experiments: () => readonly string[];
  views: readonly ViewDef[];
  /** This instance's cache; absent when it runs without one. */
  cacheStats?: () => CacheStats;
  guard: { thresholds: GuardThresholdSettings; intervalSeconds: number; lookbackSeconds: number };
  instanceId: string;
}

export interface ConsoleOptions {
  /** How far back the charts reach, and their bucket length. */
  evidenceSeconds: number;
  bucketSeconds: number;
  /** Events per flag and mismatch samples shown. */
  events: number;
  samples: number;
}

const CONSOLE_DEFAULTS: ConsoleOptions = {
  evidenceSeconds: 3600,
  bucketSeconds: 10,
  events: 15,
  samples: 10,
};

interface ExperimentPanel {
  experiment: string;
  counts: Record<string, number>;
  ignored_by_rule: Record<string, number>;
  compared: number;
  match_rate: number | null;
}

/** Everything the console page shows, read fresh from PostgreSQL (the cache numbers are this instance's). */
export interface ConsoleState {
  now: string;
  instance_id: string;
  user: { name: string; role: Role; can_act: boolean };
  plan: { flag: string; candidate_arm: string; control_arm: string };
  guard: ConsoleSources['guard'];
  flags: FlagPanel[];
  evidence: {
    from: string;
    to: string;
    arms: Record<string, ArmSummary>;
    series: EvidenceSeries;
  };
  /**
   * Samples carry the request and the rows that differed, which can hold data only admins may read (the admin
   * log's rows): for other roles they come without `request` and `diff` (`redacted`).
   */
  experiments: { live: ExperimentPanel[]; samples: (StoredSample & { redacted: boolean })[] };
  views: ViewStatusReport;
  cache: {
    scope: 'instance';
    live: boolean;
    namespaces: ReturnType<typeof namespaceDetail>[];
  } | null;
}

export function createConsoleState(sources: ConsoleSources, options: ConsoleOptions = CONSOLE_DEFAULTS) {
  const { pool, plan } = sources;

  async function flagPanels(now: Date): Promise<FlagPanel[]> {
    const [flags, verdicts] = await Promise.all([sources.flags.list(), readVerdicts(pool)]);
    // The rollout's own flag first, the rest by key.
    const ordered = [...flags].sort((a, b) =>
      a.key === plan.flag ? -1 : b.key === plan.flag ? 1 : a.key.localeCompare(b.key),
    );
    return Promise.all(
      ordered.map(async (f) =>
        flagPanel(f, verdicts.get(f.key), await sources.flags.events(f.key, { limit: options.events }), now),
      ),
    );
  }

  async function experimentPanels(from: Date): Promise<ExperimentPanel[]> {
    const live = await readExperimentTotals(pool, from, undefined, 'live');
    const names = [...new Set([...sources.experiments(), ...live.map((e) => e.experiment)])].sort();
    return names.map((name) => {
      const ab = experimentResults(name, true, { live, admin: [] }).live.ab;
      return {
        experiment: name,
        counts: ab.counts,
        ignored_by_rule: ab.ignored_by_rule,
        compared: ab.compared,
        match_rate: ab.match_rate,
      };
    });
  }

  return {
    async read(user: ConsoleState['user']): Promise<ConsoleState> {
      const to = new Date();
      const from = new Date(to.getTime() - options.evidenceSeconds * 1000);
      const arms = [plan.arms.off, plan.arms.on];
      const [flags, armTotals, armBuckets, comparisons, live, samples, views] = await Promise.all([
        flagPanels(to),
        readArmTotals(pool, from),
        readArmBuckets(pool, from, options.bucketSeconds),
        readComparisonBuckets(pool, from, options.bucketSeconds, 'live'),
        experimentPanels(from),
        readSamples(pool, { since: from, source: 'live', limit: options.samples }),
        viewStatus(pool, sources.views),
      ]);
      const summaries: Record<string, ArmSummary> = {};
      for (const arm of [...arms, ...armTotals.map((a) => a.arm)])
        summaries[arm] ??= armSummary(armTotals.find((a) => a.arm === arm));
      const cache = sources.cacheStats?.();
      return {
        now: to.toISOString(),
        instance_id: sources.instanceId,
        user,
        plan: { flag: plan.flag, candidate_arm: plan.arms.on, control_arm: plan.arms.off },
        guard: sources.guard,
        flags,
        evidence: {
          from: from.toISOString(),
          to: to.toISOString(),
          arms: summaries,
          series: evidenceSeries({
            arms,
            armBuckets,
            comparisons,
            from,
            to,
            bucketSeconds: options.bucketSeconds,
          }),
        },
        experiments: {
          live,
          samples: samples.map((x) =>
            user.can_act ? { ...x, redacted: false } : { ...x, request: null, diff: [], redacted: true },
          ),
        },
        views,
        cache: cache
          ? {
              scope: 'instance',
              live: cache.live,
              namespaces: cache.namespaces.map((ns) => namespaceDetail(ns, null)),
            }
          : null,
      };
    },
  };
}

export type ConsoleStateReader = ReturnType<typeof createConsoleState>;
