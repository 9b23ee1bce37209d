import type { Queryable } from '../../db/pool.js';
import type { ArmCell, ExperimentCell } from './rollout-window.js';
import { emptyHistogram } from './rollout-window-histogram.js';
import { type ExperimentSource, type Mode, OUTCOMES, type Outcome } from './window-labels.js';

/** One arm summed over instances and windows. */
export interface ArmTotals {
  arm: string;
  requests: number;
  /** Responses ≥ 500 other than database unavailability. */
  errors: number;
  /** Responses that said the database was unavailable (503 DATABASE_UNAVAILABLE). */
  unavailable: number;
  latency: number[];
  instances: number;
}

/** Which recorded runs to sum: one source, or both. */
export type SourceFilter = ExperimentSource | 'all';

/** One experiment and mode summed over instances, windows and the sources asked for. */
export interface ExperimentTotals {
  experiment: string;
  mode: Mode;
  counts: Record<Outcome, number>;
  /** Ignored runs per rule that explained them. */
  ignoredByRule: Record<string, number>;
  controlLatency: number[];
  candidateLatency: number[];
  instances: number;
}

/** Additive upsert of this instance's arm deltas: one statement for any number of windows and arms. */
export async function writeArmDeltas(
  db: Queryable,
  instanceId: string,
  cells: readonly ArmCell[],
): Promise<void> {
  if (cells.length === 0) return;
  const rows = cells.map((c) => ({
    start_ms: c.windowStart,
    arm: c.arm,
    requests: c.requests,
    errors: c.errors,
    unavailable: c.unavailable,
    latency: c.latency,
  }));
  await db.query(
    `insert into kgdb_rollout_windows as w (window_start, arm, instance_id, requests, errors, unavailable, latency)
     select to_timestamp(r.start_ms / 1000.0), r.arm, $1, r.requests, r.errors, r.unavailable,
            array(select e.v::bigint from jsonb_array_elements_text(r.latency) with ordinality as e(v, i) order by e.i)
       from jsonb_to_recordset($2::jsonb) as r(start_ms bigint, arm text, requests bigint, errors bigint,
            unavailable bigint, latency jsonb)
     on conflict (window_start, arm, instance_id) do update
        set requests = w.requests + excluded.requests, errors = w.errors + excluded.errors,
            unavailable = w.unavailable + excluded.unavailable,
            latency = kgdb_add_counts(w.latency, excluded.latency), updated_at = now()`,
    [instanceId, JSON.stringify(rows)],
  );
}

export async function writeExperimentDeltas(
  db: Queryable,
  instanceId: string,
  cells: readonly ExperimentCell[],
): Promise<void> {
  if (cells.length === 0) return;
  const rows = cells.map((c) => ({
    start_ms: c.windowStart,
    experiment: c.experiment,
    mode: c.mode,
    source: c.source,
    ...c.counts,
    ignored_by_rule: c.ignoredByRule,
    control_latency: c.controlLatency,
    candidate_latency: c.candidateLatency,
  }));
  const toArray = (col: string) =>
    `array(select e.v::bigint from jsonb_array_elements_text(r.${col}) with ordinality as e(v, i) order by e.i)`;
  await db.query(
    `insert into kgdb_experiment_windows as w (experiment, window_start, mode, source, instance_id, match, mismatch,
            ignored, candidate_error, control_error, timeout, ignored_by_rule, control_latency, candidate_latency)
     select r.experiment, to_timestamp(r.start_ms / 1000.0), r.mode, r.source, $1, r.match, r.mismatch, r.ignored,
            r.candidate_error, r.control_error, r.timeout, r.ignored_by_rule,
            ${toArray('control_latency')}, ${toArray('candidate_latency')}
       from jsonb_to_recordset($2::jsonb) as r(start_ms bigint, experiment text, mode text, source text,
            match bigint, mismatch bigint, ignored bigint, candidate_error bigint, control_error bigint,
            timeout bigint, ignored_by_rule jsonb, control_latency jsonb, candidate_latency jsonb)
     on conflict (experiment, window_start, mode, source, instance_id) do update
        set match = w.match + excluded.match, mismatch = w.mismatch + excluded.mismatch,
            ignored = w.ignored + excluded.ignored, candidate_error = w.candidate_error + excluded.candidate_error,
            control_error = w.control_error + excluded.control_error, timeout = w.timeout + excluded.timeout,
            ignored_by_rule = kgdb_add_rule_counts(w.ignored_by_rule, excluded.ignored_by_rule),
            control_latency = kgdb_add_counts(w.control_latency, excluded.control_latency),
            candidate_latency = kgdb_add_counts(w.candidate_latency, excluded.candidate_latency),
            updated_at = now()`,
    [instanceId, JSON.stringify(rows)],
  );
}

/** Arms summed over all instances for windows starting in [since, until). */
export async function readArmTotals(db: Queryable, since: Date, until?: Date): Promise<ArmTotals[]> {
  const { rows } = await db.query<ArmTotals>(
    `select w.arm, sum(w.requests)::float8 as requests, sum(w.errors)::float8 as errors,
            sum(w.unavailable)::float8 as unavailable, kgdb_sum_counts(w.latency)::float8[] as latency,
            count(distinct w.instance_id)::int as instances
       from kgdb_rollout_windows w
      where w.window_start >= $1 and ($2::timestamptz is null or w.window_start < $2)
      group by w.arm order by w.arm`,
    [since, until ?? null],
  );
  return rows.map((r) => ({ ...r, latency: r.latency.length > 0 ? r.latency : emptyHistogram() }));
}

type TotalsRow = Omit<ExperimentTotals, 'counts'> & Record<Outcome, number>;

/**
 * Experiments summed over all instances for windows starting at or after `since` (optionally only `names`),
 * over the runs of `source` ('all': live and admin together, the default).
 */
export async function readExperimentTotals(
  db: Queryable,
  since: Date,
  names?: readonly string[],
  source: SourceFilter = 'all',
): Promise<ExperimentTotals[]> {
  const sums = OUTCOMES.map((o) => `sum(w.${o})::float8 as ${o}`).join(', ');
  const { rows } = await db.query<TotalsRow>(
    `select w.experiment, w.mode, ${sums},
            kgdb_sum_rule_counts(w.ignored_by_rule) as "ignoredByRule",
            kgdb_sum_counts(w.control_latency)::float8[] as "controlLatency",
            kgdb_sum_counts(w.candidate_latency)::float8[] as "candidateLatency",
            count(distinct w.instance_id)::int as instances
       from kgdb_experiment_windows w
      where w.window_start >= $1 and ($2::text[] is null or w.experiment = any($2::text[]))
        and ($3::text is null or w.source = $3)
      group by w.experiment, w.mode order by w.experiment, w.mode`,
    [since, names ? [...names] : null, source === 'all' ? null : source],
  );
  return rows.map((r) => ({
    experiment: r.experiment,
    mode: r.mode,
    counts: Object.fromEntries(OUTCOMES.map((o) => [o, r[o]])) as Record<Outcome, number>,
    ignoredByRule: r.ignoredByRule,
    controlLatency: r.controlLatency.length > 0 ? r.controlLatency : emptyHistogram(),
    candidateLatency: r.candidateLatency.length > 0 ? r.candidateLatency : emptyHistogram(),
    instances: r.instances,
  }));
}

/** Retention: request windows are for the guard and the live admin metrics page, experiment windows for validation. */
export async function pruneWindows(
  db: Queryable,
  before: { arms: Date; experiments: Date },
): Promise<number> {
  const a = await db.query('delete from kgdb_rollout_windows w where w.window_start < $1', [before.arms]);
  const e = await db.query('delete from kgdb_experiment_windows w where w.window_start < $1', [
    before.experiments,
  ]);
  return (a.rowCount ?? 0) + (e.rowCount ?? 0);
}
