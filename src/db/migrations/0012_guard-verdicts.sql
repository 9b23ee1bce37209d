-- Up Migration

-- The rollout guard's latest verdict per flag, written by the leader after every evaluation, so any instance
-- (and the operator console) shows what the guard decided, why, and on which numbers and thresholds, whichever
-- instance leads. One row per flag, overwritten: the history of what the guard *did* is in feature_flag_events.
create table if not exists kgdb_guard_verdicts (
  flag_key text primary key,
  at timestamptz not null,
  instance_id text not null,
  kind text not null check (kind in ('rollback', 'hold', 'advance')),
  -- The hold reason (guard.ts HOLD_REASONS); null for rollback and advance.
  why text,
  healthy boolean not null,
  reasons jsonb not null default '[]',
  -- While baking: how long the step must still stay healthy.
  remaining_ms double precision,
  measured jsonb not null,
  thresholds jsonb not null,
  -- What the leader did on it: 'rollback', 'advance' or null.
  acted text,
  flag_version integer not null
);

-- Down Migration
drop table if exists kgdb_guard_verdicts;
