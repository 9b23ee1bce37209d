-- Up Migration

-- Declared differences and admin runs: an experiment's window counts its 'ignored' runs per rule that explained
-- them, and every count and sample says who asked for the run — 'live' traffic through the arm switch or an
-- 'admin' run (run-single, run-batch). The guard reads live rows only.

-- Key-wise sum of two {rule: count} objects; a key missing on one side counts 0.
create or replace function kgdb_add_rule_counts(a jsonb, b jsonb) returns jsonb
language sql immutable as $$
  select coalesce(jsonb_object_agg(t.rule, t.n), '{}'::jsonb)
    from (select e.key as rule, sum(e.value::bigint) as n
            from (select * from jsonb_each_text(coalesce(a, '{}'::jsonb))
                  union all
                  select * from jsonb_each_text(coalesce(b, '{}'::jsonb))) e
           group by e.key) t
$$;

-- sum() for those objects: the per-rule counts of many rows (all instances, all windows) in one aggregate.
drop aggregate if exists kgdb_sum_rule_counts(jsonb);
create aggregate kgdb_sum_rule_counts(jsonb) (sfunc = kgdb_add_rule_counts, stype = jsonb, initcond = '{}');

-- Existing rows were all recorded before admin runs were told apart: they become 'live'.
alter table kgdb_experiment_windows
  add column if not exists source text not null default 'live' check (source in ('live', 'admin')),
  add column if not exists ignored_by_rule jsonb not null default '{}'
    check (jsonb_typeof(ignored_by_rule) = 'object');
alter table kgdb_experiment_windows drop constraint kgdb_experiment_windows_pkey;
alter table kgdb_experiment_windows add primary key (experiment, window_start, mode, source, instance_id);

alter table kgdb_experiment_samples
  add column if not exists source text not null default 'live' check (source in ('live', 'admin')),
  add column if not exists rules text[] not null default '{}';
-- The sample cap applies per experiment and source, so a large admin batch cannot push out live samples.
drop index if exists kgdb_experiment_samples_experiment_idx;
create index if not exists kgdb_experiment_samples_experiment_source_idx
  on kgdb_experiment_samples (experiment, source, id desc);

-- Down Migration
drop index if exists kgdb_experiment_samples_experiment_source_idx;
create index if not exists kgdb_experiment_samples_experiment_idx on kgdb_experiment_samples (experiment, id desc);
alter table kgdb_experiment_samples drop column if exists rules, drop column if exists source;
-- Admin rows would collide with the live rows of the same window under the old key: they are dropped.
delete from kgdb_experiment_windows w where w.source <> 'live';
alter table kgdb_experiment_windows drop constraint kgdb_experiment_windows_pkey;
alter table kgdb_experiment_windows add primary key (experiment, window_start, mode, instance_id);
alter table kgdb_experiment_windows drop column if exists ignored_by_rule, drop column if exists source;
drop aggregate if exists kgdb_sum_rule_counts(jsonb);
drop function if exists kgdb_add_rule_counts(jsonb, jsonb);
