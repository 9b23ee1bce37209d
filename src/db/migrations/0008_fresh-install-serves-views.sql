-- Up Migration

-- A database kgdb initialises from empty serves the views from its first request: the views are the product,
-- the legacy SQL is the control they are verified against (1 % of calls, compared in the background). A
-- database that already holds genes keeps use_database_views where 0005 put it (0 %) and rolls out step by
-- step. "Fresh" = no genes yet and neither flag changed since 0005 created it, so an operator's choice on an
-- empty database is never overridden.
select set_config('kgdb.actor', 'migration:0008', true),
       set_config('kgdb.reason', 'fresh install: the views serve, 1 % of calls verified against the legacy arm', true);

update feature_flags f
   set step = cardinality(f.steps) - 1
 where f.key = 'use_database_views'
   and f.strategy = 'gradual'
   and not exists (select 1 from genes)
   and not exists (select 1 from feature_flag_events e where e.flag_key = f.key and e.action <> 'create');

update feature_flags f
   set percentage = 1
 where f.key = 'enable_shadow_testing'
   and f.strategy = 'percentage'
   and f.percentage = 0
   and not exists (select 1 from genes)
   and not exists (select 1 from feature_flag_events e where e.flag_key = f.key and e.action <> 'create');

-- Down Migration
select 1;
