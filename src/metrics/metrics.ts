import { Counter, collectDefaultMetrics, Gauge, Histogram, type Registry } from 'prom-client';
import { type Pool, poolStats } from '../db/pool.js';
import type { ReadReplicaStats } from '../db/read-pool.js';
import type { ExperimentResult } from '../rollout/experiments/experiment-types.js';
import type { Evaluation, Flag } from '../rollout/flags/flag-types.js';
import { NAME_PATTERN } from '../rollout/window/window-labels.js';
import { eventLoopDelayGauge } from './event-loop.js';
import { readReplicaMetrics } from './read-replica-metrics.js';

/**
 * Prometheus metrics (docs/api.md, "Metrics"): registered on the registry the composition root owns,
 * named kgdb_<area>_<what>_<unit>, labelled only by bounded values — route templates, arms, flag keys,
 * experiment names, outcomes — never ids or raw URLs. Under `kgdb serve --workers N` GET /metrics merges the
 * workers' registries (src/cluster/cluster-metrics.ts) by each metric's `aggregator`: sum by default, which is
 * right for counters, histograms and counts such as connections; a per-process reading says otherwise.
 */

/** Request durations in seconds; 0.2 s is a bucket, the guard's p99 threshold. */
const REQUEST_BUCKETS_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2.5, 5, 10];

/** What the matview refresher exposes (src/views/refresher.ts RefreshStatsSource fits). */
interface RefreshStatsLike {
  stats(): readonly {
    name: string;
    stalenessSeconds: number;
    ageSeconds: number | null;
    lastDurationMs: number | null;
    refreshed: number;
    skipped: number;
    failed: number;
  }[];
}

/** Read at scrape time; each may be attached after createMetrics (the refresher starts later). */
interface MetricsSources {
  pool?: Pool;
  refresher?: RefreshStatsLike;
  flags?: { list(): readonly Flag[] };
  experiments?: { stats(): { inFlight: number; skipped: number; verifySkipped: number } };
  /** The request log writer (src/logs/request-log.ts fits): rows it will never write. */
  requestLog?: { stats(): { dropped: number; failed: number } };
  /** The read router, with DATABASE_READ_URL (src/db/read-pool.ts fits). */
  readReplica?: { stats(): ReadReplicaStats };
}

interface RequestSample {
  /** The route template (`/api/items/:id`), or null when no route matched. */
  route: string | null;
  method: string;
  /** The arm the route set (request.arm), or null. */
  arm: string | null;
  status: number;
  seconds: number;
}

export interface Metrics {
  readonly registry: Registry;
  /** The text GET /metrics answers, in the registry's content type. */
  scrape(): Promise<string>;
  observeRequest(sample: RequestSample): void;
  experimentResult(result: ExperimentResult): void;
  flagEvaluation(evaluation: Evaluation): void;
  rolloutAborted(flagKey: string): void;
  /** Adds collect-time sources (merged with earlier ones). */
  watch(sources: MetricsSources): void;
  /** Stops the event-loop delay sampler (its timer wakes the loop every few milliseconds). */
  close(): void;
}

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
const LABEL = /^[a-z][a-z0-9_.-]{0,99}$/;
const bounded = (value: string | null | undefined, fallback: string) =>
  value && LABEL.test(value) ? value : fallback;
const statusClass = (status: number) => `${Math.min(Math.max(Math.floor(status / 100), 1), 5)}xx`;

function refreshCounters(registry: Registry, sources: MetricsSources) {
  const seen = new Map<string, number>();
  new Counter({
    name: 'kgdb_view_refreshes_total',
    help: 'Materialized view refreshes by this process, by outcome (refreshed, skipped: another instance held the lock, failed)',
    labelNames: ['view', 'outcome'] as const,
    registers: [registry],
    collect() {
      for (const s of sources.refresher?.stats() ?? []) {
        for (const outcome of ['refreshed', 'skipped', 'failed'] as const) {
          const key = `${s.name}|${outcome}`;
          const delta = s[outcome] - (seen.get(key) ?? 0);
          seen.set(key, s[outcome]);
          if (delta > 0) this.inc({ view: s.name, outcome }, delta);
        }
      }
    },
  });
  new Gauge({
    name: 'kgdb_view_staleness_seconds',
    help: 'Seconds since the first base-table change a materialized view does not reflect yet (0: none pending)',
    labelNames: ['view'] as const,
    // Across workers: the stalest view of it, which is what the staleness alert is about.
    aggregator: 'max',
    registers: [registry],
    collect() {
      this.reset();
      for (const s of sources.refresher?.stats() ?? []) this.set({ view: s.name }, s.stalenessSeconds);
    },
  });
  new Gauge({
    name: 'kgdb_view_refresh_age_seconds',
    help: 'Seconds since the last successful refresh of a materialized view',
    labelNames: ['view'] as const,
    // Across workers: the latest refresh any of them knows of.
    aggregator: 'min',
    registers: [registry],
    collect() {
      this.reset();
      for (const s of sources.refresher?.stats() ?? [])
        if (s.ageSeconds !== null) this.set({ view: s.name }, s.ageSeconds);
    },
  });
  new Gauge({
    name: 'kgdb_view_refresh_duration_seconds',
    help: 'Duration of the last successful refresh of a materialized view',
    labelNames: ['view'] as const,
    // Across workers: the slowest last refresh (a duration summed over workers means nothing).
    aggregator: 'max',
    registers: [registry],
    collect() {
      this.reset();
      for (const s of sources.refresher?.stats() ?? []) {
        if (s.lastDurationMs !== null) this.set({ view: s.name }, s.lastDurationMs / 1000);
      }
    },
  });
}

function collectedGauges(registry: Registry, sources: MetricsSources) {
  new Gauge({
    name: 'kgdb_db_pool_connections',
    help: 'PostgreSQL pool of this process: total, idle and waiting clients, and the configured max',
    labelNames: ['state'] as const,
    // Summed across workers (the default): the connections they hold on PostgreSQL together, and their limit.
    registers: [registry],
    collect() {
      if (!sources.pool) return;
      const p = poolStats(sources.pool);
      for (const state of ['total', 'idle', 'waiting', 'max'] as const) this.set({ state }, p[state]);
    },
  });
  new Gauge({
    name: 'kgdb_rollout_percentage',
    help: 'Share of stickiness keys a split flag is on for (the flag snapshot of this process)',
    labelNames: ['flag'] as const,
    // Every worker's snapshot holds the same flag but for the instant a change takes to reach them all.
    aggregator: 'max',
    registers: [registry],
    collect() {
      this.reset();
      for (const f of sources.flags?.list() ?? []) {
        const on = f.enabled && f.strategy !== 'off';
        this.set({ flag: f.key }, !on ? 0 : f.strategy === 'on' ? 100 : f.percentage);
      }
    },
  });
  let skippedSeen = 0;
  new Counter({
    name: 'kgdb_experiment_skipped_total',
    help: 'Sampled calls that ran the control only because the in-flight candidate cap was reached',
    registers: [registry],
    collect() {
      const skipped = sources.experiments?.stats().skipped ?? skippedSeen;
      if (skipped > skippedSeen) this.inc(skipped - skippedSeen);
      skippedSeen = skipped;
    },
  });
  let verifySkippedSeen = 0;
  new Counter({
    name: 'kgdb_experiment_verify_skipped_total',
    help: 'Sampled calls served by the new path that were not verified because the verification cap was reached',
    registers: [registry],
    collect() {
      const skipped = sources.experiments?.stats().verifySkipped ?? verifySkippedSeen;
      if (skipped > verifySkippedSeen) this.inc(skipped - verifySkippedSeen);
      verifySkippedSeen = skipped;
    },
  });
  new Gauge({
    name: 'kgdb_experiment_candidates_in_flight',
    help: 'Detached comparisons (shadow candidates and verifications) running in this process',
    registers: [registry],
    collect() {
      if (sources.experiments) this.set(sources.experiments.stats().inFlight);
    },
  });
}

/** Rows the request log lost: a counter of the writer's own totals, read at scrape time. */
function requestLogCounter(registry: Registry, sources: MetricsSources) {
  const requestLogSeen = { dropped: 0, failed: 0 };
  new Counter({
    name: 'kgdb_request_log_dropped_total',
    help: 'Request log rows never written to system_logs, by reason (queue: full queue or shut down before written; insert: an INSERT failed for another reason than an unavailable database)',
    labelNames: ['reason'] as const,
    registers: [registry],
    collect() {
      const stats = sources.requestLog?.stats();
      if (!stats) return;
      for (const [field, reason] of [
        ['dropped', 'queue'],
        ['failed', 'insert'],
      ] as const) {
        const delta = stats[field] - requestLogSeen[field];
        requestLogSeen[field] = stats[field];
        if (delta > 0) this.inc({ reason }, delta);
      }
    },
  });
}

/**
 * Creates every kgdb metric on `registry`; `processMetrics` adds prom-client's process metrics (kgdb_ prefix,
 * with prom-client's own aggregators). `scrape` replaces what GET /metrics answers, `registry`'s text by default:
 * a cluster worker answers the aggregate of all workers.
 */
export function createMetrics(
  registry: Registry,
  options: { processMetrics?: boolean; scrape?: () => Promise<string> } = {},
): Metrics {
  const sources: MetricsSources = {};
  if (options.processMetrics) collectDefaultMetrics({ register: registry, prefix: 'kgdb_' });
  const requestDuration = new Histogram({
    name: 'kgdb_http_request_duration_seconds',
    help: 'HTTP request duration by route template, method, arm (a rollout arm label, or none) and status class',
    labelNames: ['route', 'method', 'arm', 'status_class'] as const,
    buckets: REQUEST_BUCKETS_SECONDS,
    registers: [registry],
  });
  const errors = new Counter({
    name: 'kgdb_http_errors_total',
    help: 'HTTP error responses by arm, route template and type (client_error 4xx, server_error 5xx)',
    labelNames: ['arm', 'route', 'type'] as const,
    registers: [registry],
  });
  const outcomes = new Counter({
    name: 'kgdb_experiment_outcomes_total',
    help: 'Experiment outcomes by experiment, mode (ab, aa), outcome and source (live traffic, admin runs)',
    labelNames: ['experiment', 'mode', 'outcome', 'source'] as const,
    registers: [registry],
  });
  const experimentDuration = new Histogram({
    name: 'kgdb_experiment_duration_seconds',
    help: 'Duration of the control and the candidate of experiments, by source (live traffic, admin runs)',
    labelNames: ['experiment', 'side', 'source'] as const,
    buckets: REQUEST_BUCKETS_SECONDS,
    registers: [registry],
  });
  const evaluations = new Counter({
    name: 'kgdb_flag_evaluations_total',
    help: 'Feature flag evaluations by flag, variant and reason (disabled, static, split, error)',
    labelNames: ['flag', 'variant', 'reason'] as const,
    registers: [registry],
  });
  const aborted = new Counter({
    name: 'kgdb_rollout_aborted_total',
    help: 'Rollbacks the guard made (flag to 0 % after a threshold breach)',
    labelNames: ['flag'] as const,
    registers: [registry],
  });
  refreshCounters(registry, sources);
  const eventLoop = eventLoopDelayGauge(registry);
  collectedGauges(registry, sources);
  requestLogCounter(registry, sources);
  readReplicaMetrics(registry, () => sources.readReplica?.stats());

  return {
    registry,
    scrape: options.scrape ?? (() => registry.metrics()),
    observeRequest(s) {
      const route = s.route ?? 'unmatched';
      const arm = bounded(s.arm, 'none');
      requestDuration.observe(
        {
          route,
          method: METHODS.has(s.method) ? s.method : 'OTHER',
          arm,
          status_class: statusClass(s.status),
        },
        s.seconds,
      );
      if (s.status >= 400)
        errors.inc({ arm, route, type: s.status >= 500 ? 'server_error' : 'client_error' });
    },
    experimentResult(r) {
      const experiment = NAME_PATTERN.test(r.name) ? r.name : 'other';
      const source = r.source;
      outcomes.inc({ experiment, mode: r.mode, outcome: r.outcome, source });
      experimentDuration.observe({ experiment, side: 'control', source }, r.control.ms / 1000);
      if (r.candidate)
        experimentDuration.observe({ experiment, side: 'candidate', source }, r.candidate.ms / 1000);
    },
    flagEvaluation(e) {
      evaluations.inc({ flag: bounded(e.key, 'unknown'), variant: e.variant, reason: e.reason });
    },
    rolloutAborted(flagKey) {
      aborted.inc({ flag: bounded(flagKey, 'unknown') });
    },
    watch(more) {
      Object.assign(sources, more);
    },
    close() {
      eventLoop.stop();
    },
  };
}
