-- Up Migration

-- Failed password logins per account, in the database so every instance counts the same failures (the
-- per-address rate limit is counted in each process). `account` is 'user:<id>' for an existing account and
-- 'login:<lowercased name>' for a name no account has: an unknown name locks exactly like a real one, so a
-- lockout tells nobody which accounts exist. After `max` failures within the window the account is locked
-- until `locked_until`; a successful login or `kgdb users unlock` deletes the row. Rows whose window and
-- lock have both passed are pruned by the next failure anywhere.
create table if not exists login_failures (
  account text primary key,
  failures integer not null check (failures > 0),
  window_started_at timestamptz not null,
  locked_until timestamptz
);
create index if not exists login_failures_window_started_at_idx on login_failures (window_started_at);

-- Down Migration
drop table if exists login_failures;
