-- Up Migration

-- system_logs becomes a table partitioned by week on `timestamp` (docs/data-model.md, "system_logs").
--
-- Weekly, not daily: every admin-log page without a time range (a level, a source, a sort alone) plans and
-- opens every partition, and nothing expires logs unless an admin runs the cleanup, so the partition count is
-- what keeps those pages cheap (a month is 5 partitions, a year 53, instead of 31 and 366). Daily would only
-- make the cleanup's one straddling partition smaller; that partition is deleted from by row, in batches.
--
-- Weeks start on Monday 00:00 UTC; the partition of the week starting 2026-11-30 is system_logs_p20261130.
-- A row whose week has no partition lands in system_logs_default, so an insert never fails. Partitions are
-- created ahead by kgdb_system_logs_ensure_partitions (this migration: the current week and the next; then the
-- request-log writer creates each week a week before it starts, and the demo seed the weeks it writes), which
-- moves the rows of a new week out of the default partition first: attaching a range that the default
-- partition holds rows of would fail.

-- Monday 00:00 UTC of the week holding `at`.
create or replace function kgdb_system_logs_week(at timestamptz) returns timestamptz
language sql immutable strict as $$
  select date_trunc('week', at at time zone 'UTC') at time zone 'UTC'
$$;

-- The partitions of system_logs with their bounds (NULL for the default partition), read from the catalog.
create or replace function kgdb_system_logs_partitions()
returns table (name text, from_ts timestamptz, to_ts timestamptz)
language sql stable as $fn$
  select c.relname::text, b.m[1]::timestamptz, b.m[2]::timestamptz
    from pg_inherits i
    join pg_class c on c.oid = i.inhrelid
    cross join lateral (
      select regexp_match(pg_get_expr(c.relpartbound, c.oid), $re$^FOR VALUES FROM \('([^']+)'\) TO \('([^']+)'\)$$re$) as m
    ) b
   where i.inhparent = 'system_logs'::regclass
$fn$;

-- Statistics on the coalesced keys the admin pages filter on, per partition. The planner takes no statistics from
-- the expressions of a partial index, and extended statistics are not inherited by partitions: without these
-- it would expect a handful of rows where a merge branch holds hundreds of thousands, and sort them all instead
-- of reading the index in order. One object per expression: only expression statistics, cheap to analyze.
create or replace function kgdb_system_logs_add_statistics(part text) returns void
language plpgsql as $fn$
begin
  execute format('create statistics if not exists %I on (coalesce(logger, %L)) from %I', part || '_logger_stats', '', part);
  execute format('create statistics if not exists %I on (coalesce(method, %L)) from %I', part || '_method_stats', '', part);
  execute format('create statistics if not exists %I on (coalesce(status_code, -1)) from %I', part || '_status_stats', part);
end $fn$;

-- Creates the weekly partitions covering [p_from, p_to] that do not exist yet and returns how many it created.
-- Idempotent and serialised across instances by a transaction-scoped advisory lock. Each new partition is
-- created standalone, filled with the rows of its week taken out of the default partition, then attached:
-- ATTACH takes only SHARE UPDATE EXCLUSIVE on system_logs, so reads and inserts carry on meanwhile (it locks
-- the default partition, normally empty, to check it). p_lock_timeout_ms bounds each lock wait (the request-log
-- writer must not stall behind a long read); NULL waits as long as it takes.
create or replace function kgdb_system_logs_ensure_partitions(
  p_from timestamptz,
  p_to timestamptz,
  p_lock_timeout_ms integer default null
) returns integer
language plpgsql as $$
declare
  week timestamptz := kgdb_system_logs_week(p_from);
  next_week timestamptz;
  part text;
  created integer := 0;
  saved_timeout text := current_setting('lock_timeout');
begin
  if p_to < p_from or p_to - p_from > interval '840 days' then
    raise exception 'kgdb_system_logs_ensure_partitions: [%, %] is not a range of at most 120 weeks', p_from, p_to;
  end if;
  if p_lock_timeout_ms is not null then
    perform set_config('lock_timeout', p_lock_timeout_ms || 'ms', true);
  end if;
  perform pg_advisory_xact_lock(hashtext('kgdb:system_logs:partitions'));
  while week <= p_to loop
    next_week := (week at time zone 'UTC' + interval '7 days') at time zone 'UTC';
    part := 'system_logs_p' || to_char(week at time zone 'UTC', 'YYYYMMDD');
    if part !~ '^system_logs_p[0-9]{8}$' then
      raise exception 'kgdb_system_logs_ensure_partitions: no partition name for the week of %', week;
    end if;
    if to_regclass(part) is null then
      execute format('create table %I (like system_logs including defaults)', part);
      execute format(
        'with moved as (delete from system_logs_default d where d.timestamp >= $1 and d.timestamp < $2 returning d.*)
         insert into %I select * from moved', part) using week, next_week;
      execute format('alter table system_logs attach partition %I for values from (%L) to (%L)',
                     part, week, next_week);
      perform kgdb_system_logs_add_statistics(part);
      created := created + 1;
    end if;
    week := next_week;
  end loop;
  perform set_config('lock_timeout', saved_timeout, true);
  return created;
end $$;

-- The registry's view over system_logs and its change trigger go with the old table; both come back below,
-- the view from its own definition text, so the registry finds it unchanged.
create temporary table kgdb_0011_saved on commit drop as
select pg_get_viewdef(to_regclass('admin_logs_filtered')) as view_sql,
       exists (select 1 from pg_trigger
                where tgrelid = 'system_logs'::regclass and tgname = 'kgdb_table_changed') as had_trigger;
drop view if exists admin_logs_filtered;

-- The old table keeps its rows until they are copied; its index names and its identity sequence's name are
-- freed for the new table.
drop index if exists system_logs_timestamp_idx, system_logs_request_id_idx, system_logs_level_timestamp_idx,
  system_logs_adm_timestamp_idx, system_logs_adm_logger_idx, system_logs_adm_level_idx, system_logs_adm_path_idx,
  system_logs_adm_method_idx, system_logs_adm_status_idx, system_logs_adm_duration_idx,
  system_logs_adm_logger_duration_idx, system_logs_adm_level_timestamp_idx, system_logs_adm_level_path_idx,
  system_logs_adm_level_method_idx, system_logs_adm_level_status_idx, system_logs_adm_level_duration_idx,
  system_logs_adm_logger_trgm_idx;
alter table system_logs rename to system_logs_unpartitioned;
alter table system_logs_unpartitioned rename constraint system_logs_pkey to system_logs_unpartitioned_pkey;
alter sequence system_logs_id_seq rename to system_logs_unpartitioned_id_seq;

create table system_logs (
  id bigint generated by default as identity,
  timestamp timestamptz not null default now(),
  level text not null,
  logger text,
  message text,
  context jsonb,
  request_id text,
  ip_address text,
  user_agent text,
  path text,
  method text,
  user_id bigint,
  status_code integer,
  duration_ms double precision,
  error_type text,
  error_message text,
  stack_trace text
) partition by range (timestamp);
create table system_logs_default partition of system_logs default;
select kgdb_system_logs_add_statistics('system_logs_default');

-- Weeks with rows, contiguous from the oldest (at most two years back) to the next week; older or later rows go
-- to the default partition.
select kgdb_system_logs_ensure_partitions(
  greatest(coalesce(min(timestamp), now()), now() - interval '104 weeks'),
  now() + interval '1 week')
  from system_logs_unpartitioned
 where timestamp >= now() - interval '104 weeks';

-- Indexes and the foreign key after the copy: one sorted build per index instead of an insert per row.
set local maintenance_work_mem = '256MB';
insert into system_logs (id, timestamp, level, logger, message, context, request_id, ip_address, user_agent,
                         path, method, user_id, status_code, duration_ms, error_type, error_message, stack_trace)
select id, timestamp, level, logger, message, context, request_id, ip_address, user_agent, path, method,
       user_id, status_code, duration_ms, error_type, error_message, stack_trace
  from system_logs_unpartitioned;

-- A partitioned table's primary key must contain the partition key. (timestamp, id) rather than
-- (id, timestamp): the same uniqueness, and the index doubles as the time order of every row (the timestamp
-- sort without filters, time ranges, the cleanup). Nothing looks a row up by id alone; ids stay unique in
-- practice (one identity sequence) and break ties in every sort.
alter table system_logs add constraint system_logs_pkey primary key (timestamp, id);
alter table system_logs add constraint system_logs_user_id_fkey
  foreign key (user_id) references users (id) on delete set null;

-- The admin-log pages, one index per whitelisted sort (src/logs/views/log-branch-sql.ts has the plans), where
-- 0004 had two. Every index but the key is partial on `path is not null`, the admin rows. Each starts with
-- level, a filter with few values: a level filter is one index range, and without one a page merges one range
-- per level. path_idx has the logger second: a route's path says which logger wrote it, so a source filter
-- inside one level would walk past every other logger's paths; its pages merge one range per (level, logger)
-- pair. No id column: timestamps are microseconds and (timestamp, id) is unique, so ties below the timestamp
-- are rare and an incremental sort breaks them.
-- INCLUDE (logger): PostgreSQL answers index-only only when the plain columns an indexed expression reads are
-- in the index too; the capped count (up to 10,001 entries) and the loose scans listing levels and loggers
-- then read no heap page.
create index system_logs_adm_level_idx
  on system_logs (level, coalesce(logger, ''), timestamp) include (logger) where path is not null;
create index system_logs_adm_path_idx
  on system_logs (level, coalesce(logger, ''), path, timestamp) where path is not null;
create index system_logs_adm_method_idx
  on system_logs (level, coalesce(method, ''), coalesce(logger, ''), timestamp) where path is not null;
create index system_logs_adm_status_idx
  on system_logs (level, coalesce(status_code, -1), coalesce(logger, ''), timestamp) where path is not null;
create index system_logs_adm_duration_idx
  on system_logs (level, coalesce(duration_ms, -1), coalesce(logger, ''), timestamp) where path is not null;
-- request_id is only ever compared for equality: a hash index is about half the size of a B-tree on the text.
create index system_logs_request_id_idx on system_logs using hash (request_id) where request_id is not null;

-- Ids continue above every copied row and every id the old sequence handed out (from 1 on an empty install).
select setval(pg_get_serial_sequence('system_logs', 'id'), greatest(m.max_id, s.last_value),
              m.max_id is not null or s.is_called)
  from (select max(id) as max_id from system_logs) m, system_logs_unpartitioned_id_seq s;

drop table system_logs_unpartitioned;

do $$
declare
  saved record;
begin
  select * into saved from kgdb_0011_saved;
  if saved.view_sql is not null then
    execute 'create view admin_logs_filtered as ' || saved.view_sql;
  end if;
  if saved.had_trigger then
    create trigger kgdb_table_changed after insert or update or delete or truncate on system_logs
      for each statement execute function kgdb_notify_table_changed();
  end if;
end $$;

analyze system_logs;

-- Down Migration
create temporary table kgdb_0011_saved on commit drop as
select pg_get_viewdef(to_regclass('admin_logs_filtered')) as view_sql,
       exists (select 1 from pg_trigger
                where tgrelid = 'system_logs'::regclass and tgname = 'kgdb_table_changed') as had_trigger;
drop view if exists admin_logs_filtered;
alter table system_logs rename to system_logs_partitioned;
alter table system_logs_partitioned rename constraint system_logs_pkey to system_logs_partitioned_pkey;
alter index system_logs_adm_level_idx rename to system_logs_partitioned_level_idx;
alter index system_logs_adm_path_idx rename to system_logs_partitioned_path_idx;
alter index system_logs_adm_method_idx rename to system_logs_partitioned_method_idx;
alter index system_logs_adm_status_idx rename to system_logs_partitioned_status_idx;
alter index system_logs_adm_duration_idx rename to system_logs_partitioned_duration_idx;
alter index system_logs_request_id_idx rename to system_logs_partitioned_request_id_idx;
alter sequence system_logs_id_seq rename to system_logs_partitioned_id_seq;

create table system_logs (
  id bigint generated by default as identity primary key,
  timestamp timestamptz not null default now(),
  level text not null,
  logger text,
  message text,
  context jsonb,
  request_id text,
  ip_address text,
  user_agent text,
  path text,
  method text,
  user_id bigint references users (id) on delete set null,
  status_code integer,
  duration_ms double precision,
  error_type text,
  error_message text,
  stack_trace text
);
insert into system_logs (id, timestamp, level, logger, message, context, request_id, ip_address, user_agent,
                         path, method, user_id, status_code, duration_ms, error_type, error_message, stack_trace)
select id, timestamp, level, logger, message, context, request_id, ip_address, user_agent, path, method,
       user_id, status_code, duration_ms, error_type, error_message, stack_trace
  from system_logs_partitioned;
select setval(pg_get_serial_sequence('system_logs', 'id'), greatest(m.max_id, s.last_value),
              m.max_id is not null or s.is_called)
  from (select max(id) as max_id from system_logs) m, system_logs_partitioned_id_seq s;
drop table system_logs_partitioned;
drop function kgdb_system_logs_ensure_partitions(timestamptz, timestamptz, integer);
drop function kgdb_system_logs_partitions();
drop function kgdb_system_logs_week(timestamptz);
drop function kgdb_system_logs_add_statistics(text);

-- The indexes of 0001 and 0004 as they stood before this migration.
create index system_logs_timestamp_idx on system_logs (timestamp desc);
create index system_logs_request_id_idx on system_logs (request_id) where request_id is not null;
create index system_logs_adm_timestamp_idx on system_logs (timestamp, id) where path is not null;
create index system_logs_adm_logger_idx
  on system_logs (coalesce(logger, ''), timestamp, id) include (logger) where path is not null;
create index system_logs_adm_level_idx
  on system_logs (level, coalesce(logger, ''), timestamp, id) include (logger) where path is not null;
create index system_logs_adm_path_idx
  on system_logs (path, coalesce(logger, ''), timestamp, id) where path is not null;
create index system_logs_adm_method_idx
  on system_logs (coalesce(method, ''), coalesce(logger, ''), timestamp, id) where path is not null;
create index system_logs_adm_status_idx
  on system_logs (coalesce(status_code, -1), coalesce(logger, ''), timestamp, id) where path is not null;
create index system_logs_adm_duration_idx
  on system_logs (coalesce(duration_ms, -1), coalesce(logger, ''), timestamp, id) where path is not null;
create index system_logs_adm_logger_duration_idx
  on system_logs (coalesce(logger, ''), coalesce(duration_ms, -1), timestamp, id) where path is not null;
create index system_logs_adm_level_timestamp_idx
  on system_logs (level, timestamp, id) where path is not null;
create index system_logs_adm_level_path_idx
  on system_logs (level, path, coalesce(logger, ''), timestamp, id) where path is not null;
create index system_logs_adm_level_method_idx
  on system_logs (level, coalesce(method, ''), coalesce(logger, ''), timestamp, id) where path is not null;
create index system_logs_adm_level_status_idx
  on system_logs (level, coalesce(status_code, -1), coalesce(logger, ''), timestamp, id) where path is not null;
create index system_logs_adm_level_duration_idx
  on system_logs (level, coalesce(duration_ms, -1), coalesce(logger, ''), timestamp, id) where path is not null;
create index system_logs_adm_logger_trgm_idx
  on system_logs using gin (logger gin_trgm_ops) where path is not null;

do $$
declare
  saved record;
begin
  select * into saved from kgdb_0011_saved;
  if saved.view_sql is not null then
    execute 'create view admin_logs_filtered as ' || saved.view_sql;
  end if;
  if saved.had_trigger then
    create trigger kgdb_table_changed after insert or update or delete or truncate on system_logs
      for each statement execute function kgdb_notify_table_changed();
  end if;
end $$;
