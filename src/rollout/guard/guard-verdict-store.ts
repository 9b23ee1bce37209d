import type { Queryable } from '../../db/pool.js';
import type { GuardThresholds, Verdict } from './guard.js';
import type { Measured } from './guard-measure.js';

/** The guard's latest verdict on one flag, as every instance reads it (kgdb_guard_verdicts). */
export interface StoredVerdict {
  flag_key: string;
  at: string;
  /** The leader that judged. */
  instance_id: string;
  kind: Verdict['kind'];
  /** The hold reason; null for rollback and advance. */
  why: string | null;
  healthy: boolean;
  /** Readable reasons with the measured values (breaches, too few samples, inconclusive windows). */
  reasons: string[];
  /** While baking: milliseconds the step must still stay healthy. */
  remaining_ms: number | null;
  measured: Measured;
  thresholds: GuardThresholds;
  /** What the leader did on it. */
  acted: 'rollback' | 'advance' | null;
  /** The flag version the verdict judged. */
  flag_version: number;
}

/** Pure: the row a verdict becomes. */
export function verdictRow(input: {
  flagKey: string;
  at: Date;
  instanceId: string;
  verdict: Verdict;
  thresholds: GuardThresholds;
  acted: 'rollback' | 'advance' | null;
  flagVersion: number;
}): StoredVerdict {
  const { verdict } = input;
  return {
    flag_key: input.flagKey,
    at: input.at.toISOString(),
    instance_id: input.instanceId,
    kind: verdict.kind,
    why: verdict.kind === 'hold' ? verdict.why : null,
    healthy: verdict.kind === 'advance' || (verdict.kind === 'hold' && verdict.healthy),
    reasons: verdict.kind === 'advance' ? [] : verdict.reasons,
    remaining_ms: verdict.kind === 'hold' ? (verdict.remainingMs ?? null) : null,
    measured: verdict.measured,
    thresholds: input.thresholds,
    acted: input.acted,
    flag_version: input.flagVersion,
  };
}

/** Overwrites the flag's latest verdict (one small row per evaluation of the leader). */
export async function writeVerdict(db: Queryable, row: StoredVerdict): Promise<void> {
  await db.query(
    `insert into kgdb_guard_verdicts as v (flag_key, at, instance_id, kind, why, healthy, reasons, remaining_ms,
            measured, thresholds, acted, flag_version)
     values ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9::jsonb, $10::jsonb, $11, $12)
     on conflict (flag_key) do update
        set at = excluded.at, instance_id = excluded.instance_id, kind = excluded.kind, why = excluded.why,
            healthy = excluded.healthy, reasons = excluded.reasons, remaining_ms = excluded.remaining_ms,
            measured = excluded.measured, thresholds = excluded.thresholds, acted = excluded.acted,
            flag_version = excluded.flag_version`,
    [
      row.flag_key,
      row.at,
      row.instance_id,
      row.kind,
      row.why,
      row.healthy,
      JSON.stringify(row.reasons),
      row.remaining_ms,
      JSON.stringify(row.measured),
      JSON.stringify(row.thresholds),
      row.acted,
      row.flag_version,
    ],
  );
}

/** Every flag's latest verdict, by flag key. */
export async function readVerdicts(db: Queryable): Promise<Map<string, StoredVerdict>> {
  const { rows } = await db.query<Omit<StoredVerdict, 'at'> & { at: Date }>(
    `select v.flag_key, v.at, v.instance_id, v.kind, v.why, v.healthy, v.reasons, v.remaining_ms, v.measured,
            v.thresholds, v.acted, v.flag_version
       from kgdb_guard_verdicts v`,
  );
  return new Map(rows.map((r) => [r.flag_key, { ...r, at: r.at.toISOString() }]));
}
