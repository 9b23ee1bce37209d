-- Up Migration

-- Live rollout data (docs/rollout.md): every instance adds what it saw per ~10 s window; the guard leader,
-- the admin metrics and the shadow-test results read the sum over all instances. Written off the request
-- path by src/rollout/window/rollout-window-writer.ts (one batched upsert per table about every second).

-- Element-wise sum of two bucket-count arrays (latency histograms with the fixed bounds of
-- src/rollout/window/rollout-window-histogram.ts); the shorter one is padded with zeros.
create or replace function kgdb_add_counts(a bigint[], b bigint[]) returns bigint[]
language sql immutable as $$
  select coalesce(array_agg(coalesce(t.x, 0) + coalesce(t.y, 0) order by t.i), '{}')
    from unnest(a, b) with ordinality as t(x, y, i)
$$;

-- sum() for those arrays: the histogram of many rows (all instances, all windows) in one aggregate.
drop aggregate if exists kgdb_sum_counts(bigint[]);
create aggregate kgdb_sum_counts(bigint[]) (sfunc = kgdb_add_counts, stype = bigint[], initcond = '{}');

-- Requests served per arm ('views', 'legacy', …): count, 5xx errors and a latency histogram. Instances never
-- touch each other's rows, so concurrent upserts do not contend.
create table if not exists kgdb_rollout_windows (
  window_start timestamptz not null,
  arm text not null check (arm ~ '^[a-z][a-z0-9_]{0,31}$'),
  instance_id text not null,
  requests bigint not null default 0 check (requests >= 0),
  errors bigint not null default 0 check (errors >= 0),
  latency bigint[] not null default '{}',
  updated_at timestamptz not null default now(),
  primary key (window_start, arm, instance_id)
);

-- Experiment outcomes per experiment and mode ('ab' = control vs candidate, 'aa' = control vs control, the
-- noise floor), with control and candidate duration histograms for validate-migration.
create table if not exists kgdb_experiment_windows (
  experiment text not null check (experiment ~ '^[a-z][a-z0-9_]{0,63}$'),
  mode text not null check (mode in ('ab', 'aa')),
  window_start timestamptz not null,
  instance_id text not null,
  match bigint not null default 0,
  mismatch bigint not null default 0,
  ignored bigint not null default 0,
  candidate_error bigint not null default 0,
  control_error bigint not null default 0,
  timeout bigint not null default 0,
  control_latency bigint[] not null default '{}',
  candidate_latency bigint[] not null default '{}',
  updated_at timestamptz not null default now(),
  primary key (experiment, window_start, mode, instance_id)
);
create index if not exists kgdb_experiment_windows_start_idx on kgdb_experiment_windows (window_start);

-- Non-matching observations with their readable diff (mismatch, candidate_error, timeout, control_error).
-- Capped per experiment by the writer (default 1,000; the oldest are deleted).
create table if not exists kgdb_experiment_samples (
  id bigint generated always as identity primary key,
  experiment text not null,
  mode text not null check (mode in ('ab', 'aa')),
  outcome text not null check (outcome in ('mismatch', 'ignored', 'candidate_error', 'control_error', 'timeout')),
  at timestamptz not null default now(),
  instance_id text not null,
  diff text[] not null,
  -- What was asked (the experiment's request as JSON), so a mismatch can be replayed with run-single.
  request jsonb,
  control_ms float8,
  candidate_ms float8
);
create index if not exists kgdb_experiment_samples_experiment_idx on kgdb_experiment_samples (experiment, id desc);

-- Down Migration
drop table if exists kgdb_experiment_samples;
drop table if exists kgdb_experiment_windows;
drop table if exists kgdb_rollout_windows;
drop aggregate if exists kgdb_sum_counts(bigint[]);
drop function if exists kgdb_add_counts(bigint[], bigint[]);
