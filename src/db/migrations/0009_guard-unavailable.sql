-- Up Migration

-- Responses that said the database was unavailable (503 DATABASE_UNAVAILABLE) are counted per arm and window
-- apart from `errors`: an outage both arms see is no evidence against the candidate, so the guard holds
-- instead of rolling back. Rows written before this migration counted such responses as errors; they keep 0.
alter table kgdb_rollout_windows
  add column if not exists unavailable bigint not null default 0 check (unavailable >= 0);

-- Down Migration
-- Folding the counts back into `errors` keeps the old meaning (every response ≥ 500) for older code.
update kgdb_rollout_windows w set errors = w.errors + w.unavailable where w.unavailable > 0;
alter table kgdb_rollout_windows drop column if exists unavailable;
