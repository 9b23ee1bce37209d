-- Up Migration

-- One row per view the registry created. `version` hashes what shapes the object (kind, SQL, indexes), so an
-- unchanged declaration means no DDL; `definition` is the server-normalised text (pg_get_viewdef) read back
-- right after the apply, so a later difference is drift (someone replaced the view behind the registry's back).
create table if not exists kgdb_view_registry (
  name text primary key,
  kind text not null check (kind in ('view', 'materialized')),
  version text not null,
  definition text not null,
  applied_at timestamptz not null default now()
);

-- Last refresh of each materialized view, kept in the database so staleness survives restarts and is the
-- same for every instance. last_refreshed_at is the snapshot time of the last successful refresh.
create table if not exists kgdb_view_refresh_state (
  name text primary key,
  last_refreshed_at timestamptz,
  last_duration_ms double precision,
  last_outcome text check (last_outcome in ('refreshed', 'skipped', 'failed')),
  last_outcome_at timestamptz,
  last_error text
);

-- Statement-level trigger body for every base table a declared view reads (the registry installs the
-- triggers). NOTIFY is delivered at commit and de-duplicated per transaction, so a 10,000-row COPY costs one
-- notification per table, and rolled-back writes cost none.
create or replace function kgdb_notify_table_changed() returns trigger
language plpgsql as $$
begin
  perform pg_notify('kgdb_table_changed', tg_table_name);
  return null;
end
$$;

-- Down Migration
drop function if exists kgdb_notify_table_changed() cascade;
drop table if exists kgdb_view_refresh_state, kgdb_view_registry;
