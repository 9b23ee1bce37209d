-- Up Migration

-- Indexes for GET /api/admin/logs/ (src/logs; the plans and their measured times are in the README).
--
-- Every admin read has `path is not null` (the view admin_logs_filtered; the legacy repository applies the
-- same predicate to system_logs), so every index here is partial on it: background log lines without a path
-- cost no index upkeep, and the planner may use the indexes for the view and the legacy SQL alike.
--
-- Sorts. Each whitelisted sort has one index in its exact ORDER BY (src/logs/log-sort.ts): the field (nullable
-- columns coalesced), then coalesce(logger, ''), timestamp, id as tie-breakers. The first page of a sort is the
-- first entries of its index, read backwards for desc; a cursor page is a range scan of the same index. With a
-- time range or a source filter, the query lists the field's few distinct values and the loggers (a loose
-- index scan) and adds `field = any(…) and logger = any(…)`: PostgreSQL 17 then jumps through the index to
-- each (field, logger) run's rows in the time range, in index order, instead of reading the rows before it.
-- Timestamp and duration have no short list of values: with a source filter their page is a merge of one
-- range per matched logger, on (logger, timestamp, id) and (logger, duration, timestamp, id).
create index if not exists system_logs_adm_timestamp_idx
  on system_logs (timestamp, id) where path is not null;
-- INCLUDE (logger): PostgreSQL answers index-only only when the plain columns an indexed expression reads are
-- in the index too; the capped count of a source filter then reads 10,001 index entries and no heap page.
create index if not exists system_logs_adm_logger_idx
  on system_logs (coalesce(logger, ''), timestamp, id) include (logger) where path is not null;
create index if not exists system_logs_adm_level_idx
  on system_logs (level, coalesce(logger, ''), timestamp, id) include (logger) where path is not null;
create index if not exists system_logs_adm_path_idx
  on system_logs (path, coalesce(logger, ''), timestamp, id) where path is not null;
create index if not exists system_logs_adm_method_idx
  on system_logs (coalesce(method, ''), coalesce(logger, ''), timestamp, id) where path is not null;
create index if not exists system_logs_adm_status_idx
  on system_logs (coalesce(status_code, -1), coalesce(logger, ''), timestamp, id) where path is not null;
create index if not exists system_logs_adm_duration_idx
  on system_logs (coalesce(duration_ms, -1), coalesce(logger, ''), timestamp, id) where path is not null;
create index if not exists system_logs_adm_logger_duration_idx
  on system_logs (coalesce(logger, ''), coalesce(duration_ms, -1), timestamp, id) where path is not null;

-- The level filter with each sort. level follows the status code (5xx ERROR, 4xx WARNING), so walking a sort's
-- index and discarding other levels can read most of the table first (level=ERROR by status_code ascending
-- passes every 2xx row); with level leading, level + any sort is one index range. The level sort's own index
-- above serves level + sort by level or by source.
create index if not exists system_logs_adm_level_timestamp_idx
  on system_logs (level, timestamp, id) where path is not null;
create index if not exists system_logs_adm_level_path_idx
  on system_logs (level, path, coalesce(logger, ''), timestamp, id) where path is not null;
create index if not exists system_logs_adm_level_method_idx
  on system_logs (level, coalesce(method, ''), coalesce(logger, ''), timestamp, id) where path is not null;
create index if not exists system_logs_adm_level_status_idx
  on system_logs (level, coalesce(status_code, -1), coalesce(logger, ''), timestamp, id) where path is not null;
create index if not exists system_logs_adm_level_duration_idx
  on system_logs (level, coalesce(duration_ms, -1), coalesce(logger, ''), timestamp, id) where path is not null;

-- source = "logger contains" normally becomes `logger = any(matching loggers)` (see above); when there are
-- more than 1,000 distinct loggers it stays an ILIKE, which trigrams answer.
create index if not exists system_logs_adm_logger_trgm_idx
  on system_logs using gin (logger gin_trgm_ops) where path is not null;

-- Superseded by system_logs_adm_level_timestamp_idx; nothing else filters on level.
drop index if exists system_logs_level_timestamp_idx;

-- Down Migration
create index if not exists system_logs_level_timestamp_idx on system_logs (level, timestamp desc);
drop index if exists system_logs_adm_logger_trgm_idx, system_logs_adm_level_duration_idx,
  system_logs_adm_level_status_idx, system_logs_adm_level_method_idx, system_logs_adm_level_path_idx,
  system_logs_adm_level_timestamp_idx, system_logs_adm_logger_duration_idx, system_logs_adm_duration_idx, system_logs_adm_status_idx,
  system_logs_adm_method_idx, system_logs_adm_path_idx, system_logs_adm_level_idx, system_logs_adm_logger_idx,
  system_logs_adm_timestamp_idx;
