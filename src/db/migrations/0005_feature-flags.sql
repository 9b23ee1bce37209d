-- Up Migration

-- Feature flags (docs/rollout.md). The table is the only truth: every instance keeps an in-process snapshot and
-- reloads a flag when the trigger below notifies 'kgdb_flags', so a plain SQL UPDATE reaches every instance.

-- Steps of a gradual schedule: 1..20 ascending percentages starting at 0 (a rollback to 0 % must always
-- have a step to land on). Immutable so a CHECK can use it.
create or replace function kgdb_flag_steps_valid(steps numeric[]) returns boolean
language sql immutable as $$
  select cardinality(steps) between 1 and 20
     and steps[1] = 0
     and not exists (
       select 1 from unnest(steps) with ordinality as s(v, i)
        where s.v is null or s.v < 0 or s.v > 100 or (s.i > 1 and s.v <= steps[s.i - 1])
     )
$$;

-- One sequence for all flags: a snapshot applies a row only when its version is not older than the one it
-- holds, so a slow full reload can never undo a newer single-flag reload.
create sequence if not exists feature_flags_version_seq;

create table if not exists feature_flags (
  key text primary key check (key ~ '^[a-z][a-z0-9_.-]{0,99}$'),
  description text not null default '',
  enabled boolean not null default false,
  strategy text not null default 'off' check (strategy in ('off', 'on', 'percentage', 'gradual')),
  -- For gradual flags the trigger keeps percentage = steps[step + 1].
  percentage numeric(6, 3) not null default 0 check (percentage between 0 and 100),
  steps numeric(6, 3)[] not null default '{0,10,25,50,75,100}' check (kgdb_flag_steps_valid(steps)),
  step integer not null default 0,
  salt text not null default '',
  auto_promote boolean not null default false,
  bake_seconds integer not null default 600 check (bake_seconds >= 0),
  updated_at timestamptz not null default now(),
  updated_by text not null default current_user,
  version bigint not null default nextval('feature_flags_version_seq'),
  constraint feature_flags_step_in_steps check (step >= 0 and step < cardinality(steps))
);

-- One row per change of one flag. No foreign key: the history of a deleted flag stays.
create table if not exists feature_flag_events (
  id bigint generated always as identity primary key,
  flag_key text not null,
  at timestamptz not null default now(),
  actor text not null,
  action text not null check (action in (
    'create', 'update', 'enable', 'disable', 'set_percentage', 'advance', 'rollback', 'emergency_disable', 'delete'
  )),
  old jsonb,
  new jsonb,
  reason text,
  -- What a guard measured when it rolled back (error rate, p99, mismatch rate, sample counts …).
  measured jsonb
);
create index if not exists feature_flag_events_flag_idx on feature_flag_events (flag_key, id desc);

-- Who is changing flags in this transaction: the application sets kgdb.actor (and kgdb.action, kgdb.reason,
-- kgdb.measured) with set_config(…, true); plain SQL sets nothing and is recorded as 'sql:<role>'.
create or replace function kgdb_flag_actor() returns text
language sql stable as $$
  select coalesce(nullif(current_setting('kgdb.actor', true), ''), 'sql:' || session_user)
$$;

-- The columns whose change is a change of the flag (not the bookkeeping the trigger itself maintains).
create or replace function kgdb_flag_fields(r feature_flags) returns jsonb
language sql immutable as $$
  select to_jsonb(r) - 'updated_at' - 'updated_by' - 'version'
$$;

-- BEFORE: keep a gradual flag's percentage equal to its step (a plain UPDATE may set either; a percentage
-- that is not one of the steps is refused), and stamp who/when/version only when something really changed.
create or replace function kgdb_feature_flags_before() returns trigger
language plpgsql as $$
declare
  idx integer;
begin
  if new.strategy = 'gradual' then
    if tg_op = 'UPDATE' and new.step is not distinct from old.step
       and new.percentage is distinct from old.percentage then
      idx := array_position(new.steps, new.percentage);
      if idx is null then
        raise exception 'feature flag %: gradual, so percentage must be one of its steps %, got %',
          new.key, new.steps, new.percentage using errcode = '22023';
      end if;
      new.step := idx - 1;
    end if;
    if new.step < 0 or new.step >= cardinality(new.steps) then
      raise exception 'feature flag %: step must be in 0..%, got %', new.key, cardinality(new.steps) - 1, new.step
        using errcode = '22023';
    end if;
    new.percentage := new.steps[new.step + 1];
  end if;
  if tg_op = 'UPDATE' and kgdb_flag_fields(new) = kgdb_flag_fields(old) then
    return new;
  end if;
  new.updated_at := now();
  new.updated_by := kgdb_flag_actor();
  if tg_op = 'UPDATE' then
    new.version := nextval('feature_flags_version_seq');
  end if;
  return new;
end
$$;

-- AFTER, per row: exactly one event per changed flag (only the changed fields for an update, the whole row
-- for create/delete), then NOTIFY. Both happen in the changing transaction, so a rolled-back change leaves
-- neither, and NOTIFY is delivered at commit. The event id is left in kgdb.last_event_id for the caller.
create or replace function kgdb_feature_flags_after() returns trigger
language plpgsql as $$
declare
  old_fields jsonb;
  new_fields jsonb;
  event_id bigint;
begin
  if tg_op = 'UPDATE' then
    select jsonb_object_agg(n.key, o.value), jsonb_object_agg(n.key, n.value)
      into old_fields, new_fields
      from jsonb_each(kgdb_flag_fields(new)) n
      join jsonb_each(kgdb_flag_fields(old)) o on o.key = n.key
     where n.value is distinct from o.value;
    if new_fields is null then
      return null;
    end if;
  elsif tg_op = 'INSERT' then
    new_fields := kgdb_flag_fields(new);
  else
    old_fields := kgdb_flag_fields(old);
  end if;
  insert into feature_flag_events (flag_key, actor, action, old, new, reason, measured)
  values (
    case when tg_op = 'DELETE' then old.key else new.key end,
    kgdb_flag_actor(),
    coalesce(
      nullif(current_setting('kgdb.action', true), ''),
      case tg_op when 'INSERT' then 'create' when 'DELETE' then 'delete' else 'update' end
    ),
    old_fields,
    new_fields,
    nullif(current_setting('kgdb.reason', true), ''),
    nullif(current_setting('kgdb.measured', true), '')::jsonb
  )
  returning id into event_id;
  perform set_config('kgdb.last_event_id', event_id::text, true);
  if tg_op <> 'INSERT' then
    perform pg_notify('kgdb_flags', old.key);
  end if;
  if tg_op <> 'DELETE' and (tg_op = 'INSERT' or new.key <> old.key) then
    perform pg_notify('kgdb_flags', new.key);
  end if;
  return null;
end
$$;

-- TRUNCATE would change every flag with no rows for the audit to record: refuse it.
create or replace function kgdb_feature_flags_no_truncate() returns trigger
language plpgsql as $$
begin
  raise exception 'feature_flags cannot be truncated: delete the rows instead, so each deletion is audited'
    using errcode = '55000';
end
$$;

drop trigger if exists feature_flags_before on feature_flags;
create trigger feature_flags_before before insert or update on feature_flags
  for each row execute function kgdb_feature_flags_before();
drop trigger if exists feature_flags_after on feature_flags;
create trigger feature_flags_after after insert or update or delete on feature_flags
  for each row execute function kgdb_feature_flags_after();
drop trigger if exists feature_flags_no_truncate on feature_flags;
create trigger feature_flags_no_truncate before truncate on feature_flags
  for each statement execute function kgdb_feature_flags_no_truncate();

-- The flags the gene and admin-log routes read (the views rollout). Both start at 0 %: enabled, exposing no one.
select set_config('kgdb.actor', 'migration:0005', true), set_config('kgdb.reason', 'seeded', true);
insert into feature_flags (key, description, enabled, strategy, step)
values
  ('use_database_views', 'Serve gene and admin-log reads from the declared views instead of the legacy SQL',
   true, 'gradual', 0)
on conflict (key) do nothing;
insert into feature_flags (key, description, enabled, strategy, percentage)
values
  ('enable_shadow_testing', 'Share of legacy-path calls that also run the views path as a shadow candidate',
   true, 'percentage', 0)
on conflict (key) do nothing;

-- Down Migration
drop table if exists feature_flag_events;
drop function if exists kgdb_flag_fields(feature_flags);
drop table if exists feature_flags;
drop function if exists kgdb_feature_flags_no_truncate();
drop function if exists kgdb_feature_flags_after();
drop function if exists kgdb_feature_flags_before();
drop function if exists kgdb_flag_actor();
drop sequence if exists feature_flags_version_seq;
drop function if exists kgdb_flag_steps_valid(numeric[]);
