import type { Queryable } from '../../db/pool.js';
import type { ExperimentSource, Mode, SampledOutcome } from './window-labels.js';

/*
 * kgdb_experiment_samples: the readable non-matching observations, written by the window writer next to the
 * counts and capped per experiment and source.
 */

/** A non-matching observation waiting to be written to kgdb_experiment_samples (the recorder queues them). */
export interface ExperimentSample {
  experiment: string;
  mode: Mode;
  outcome: SampledOutcome;
  source: ExperimentSource;
  at: Date;
  diff: string[];
  /** The declared rules that explained an 'ignored' run; empty otherwise. */
  rules: string[];
  /** The request as JSON text (bounded), or null. */
  request: string | null;
  controlMs: number;
  candidateMs: number | null;
}

/** A sample as stored, for the shadow-test API. */
export interface StoredSample {
  id: number;
  experiment: string;
  mode: Mode;
  outcome: SampledOutcome;
  source: ExperimentSource;
  at: Date;
  instance_id: string;
  diff: string[];
  rules: string[];
  request: unknown;
  control_ms: number | null;
  candidate_ms: number | null;
}

/** Inserts samples, then keeps only the newest `cap` per experiment and source touched (oldest dropped). */
export async function writeSamples(
  db: Queryable,
  instanceId: string,
  samples: readonly ExperimentSample[],
  cap: number,
): Promise<void> {
  if (samples.length === 0) return;
  const rows = samples.map((s) => ({
    experiment: s.experiment,
    mode: s.mode,
    outcome: s.outcome,
    source: s.source,
    at: s.at.toISOString(),
    diff: s.diff,
    rules: s.rules,
    request: s.request,
    control_ms: s.controlMs,
    candidate_ms: s.candidateMs,
  }));
  await db.query(
    `insert into kgdb_experiment_samples (experiment, mode, outcome, source, at, instance_id, diff, rules, request,
            control_ms, candidate_ms)
     select r.experiment, r.mode, r.outcome, r.source, r.at, $1,
            array(select e.v from jsonb_array_elements_text(r.diff) with ordinality as e(v, i) order by e.i),
            array(select e.v from jsonb_array_elements_text(r.rules) with ordinality as e(v, i) order by e.i),
            r.request::jsonb, r.control_ms, r.candidate_ms
       from jsonb_to_recordset($2::jsonb) as r(experiment text, mode text, outcome text, source text,
            at timestamptz, diff jsonb, rules jsonb, request text, control_ms float8, candidate_ms float8)`,
    [instanceId, JSON.stringify(rows)],
  );
  const touched = [...new Map(samples.map((s) => [`${s.experiment}|${s.source}`, s])).values()];
  await db.query(
    `delete from kgdb_experiment_samples s
      using (select n.experiment, n.source,
                    (select k.id from kgdb_experiment_samples k
                      where k.experiment = n.experiment and k.source = n.source
                      order by k.id desc offset $3 limit 1) as keep_above
               from unnest($1::text[], $2::text[]) as n(experiment, source)) c
      where s.experiment = c.experiment and s.source = c.source and c.keep_above is not null
        and s.id <= c.keep_above`,
    [touched.map((s) => s.experiment), touched.map((s) => s.source), cap],
  );
}

export async function readSamples(
  db: Queryable,
  filter: { experiment?: string; since?: Date; source?: ExperimentSource; limit: number },
): Promise<StoredSample[]> {
  const { rows } = await db.query<StoredSample>(
    `select s.id, s.experiment, s.mode, s.outcome, s.source, s.at, s.instance_id, s.diff, s.rules, s.request,
            s.control_ms, s.candidate_ms
       from kgdb_experiment_samples s
      where ($1::text is null or s.experiment = $1) and ($2::timestamptz is null or s.at >= $2)
        and ($3::text is null or s.source = $3)
      order by s.id desc limit $4`,
    [filter.experiment ?? null, filter.since ?? null, filter.source ?? null, filter.limit],
  );
  return rows;
}
