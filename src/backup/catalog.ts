import pg from 'pg';
import { MIGRATIONS_TABLE } from '../db/migrate.js';
import type { Queryable } from '../db/pool.js';
import { loadOrder } from './load-order.js';
import type { SequenceManifest } from './manifest.js';

/**
 * Tables that describe the database's views rather than hold data (docs/backup.md): the registry of the views
 * applied there and their last refresh. They belong to the views, which a restore re-creates and refreshes with
 * this build's declarations, so they are neither backed up nor overwritten.
 */
const VIEW_BOOKKEEPING_TABLES: readonly string[] = ['kgdb_view_registry', 'kgdb_view_refresh_state'];

/** A table as the catalog describes it. */
export interface TableInfo {
  name: string;
  /** Copied columns in table order; generated columns are left out (COPY FROM cannot write them). */
  columns: string[];
  /** Primary key columns: the order rows are copied in, so equal tables give equal bytes. */
  key: string[];
  /**
   * Rows by the planner's statistics: reltuples, summed over the partitions of a partitioned table
   * (pg_partition_tree lists nothing for a plain table); 0 when never analyzed. Only sizes the progress bar.
   */
  estimate: number;
}

/**
 * Every base table in the public schema — a partitioned table as one table, its partitions not apart — except the
 * view bookkeeping and tables that belong to an extension, in load order (load-order.ts).
 */
export async function readTables(db: Queryable): Promise<TableInfo[]> {
  const { rows } = await db.query<TableInfo>(
    `select c.relname::text as name,
            array(select a.attname::text from pg_attribute a
                   where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped and a.attgenerated = ''
                   order by a.attnum) as columns,
            array(select a.attname::text
                    from pg_index i
                    cross join unnest(i.indkey::int2[]) with ordinality as k(attnum, ord)
                    join pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.attnum
                   where i.indrelid = c.oid and i.indisprimary
                   order by k.ord) as key,
            greatest(coalesce((select sum(p.reltuples)
                                 from pg_partition_tree(c.oid) t join pg_class p on p.oid = t.relid
                                where t.isleaf and p.reltuples > 0),
                              c.reltuples), 0)::float8 as estimate
       from pg_class c
       join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'public' and c.relkind in ('r', 'p') and not c.relispartition
        and c.relname <> all($1::text[])
        and not exists (select 1 from pg_depend d
                         where d.classid = 'pg_class'::regclass and d.objid = c.oid and d.deptype = 'e')`,
    [VIEW_BOOKKEEPING_TABLES],
  );
  const { rows: references } = await db.query<{ from: string; to: string }>(
    `select f.relname::text as from, t.relname::text as to
       from pg_constraint k
       join pg_class f on f.oid = k.conrelid
       join pg_class t on t.oid = k.confrelid
       join pg_namespace n on n.oid = f.relnamespace
      where k.contype = 'f' and n.nspname = 'public' and not f.relispartition`,
  );
  const byName = new Map(rows.map((t) => [t.name, t]));
  return loadOrder([...byName.keys()], references).map((name) => byName.get(name) as TableInfo);
}

/** Names of the applied migrations in the order node-pg-migrate applied them; none when never migrated. */
export async function appliedMigrations(db: Queryable): Promise<string[]> {
  const { rows: present } = await db.query<{ present: boolean }>(
    'select to_regclass($1) is not null as present',
    [pg.escapeIdentifier(MIGRATIONS_TABLE)],
  );
  if (!present[0]?.present) return [];
  const { rows } = await db.query<{ name: string }>(
    `select name from ${pg.escapeIdentifier(MIGRATIONS_TABLE)} order by run_on, id`,
  );
  return rows.map((r) => r.name);
}

/** Every sequence in the public schema with its state (identity and serial sequences included). */
export async function readSequences(db: Queryable): Promise<SequenceManifest[]> {
  const { rows: names } = await db.query<{ name: string }>(
    `select c.relname::text as name
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = 'public' and c.relkind = 'S'
      order by c.relname`,
  );
  const sequences: SequenceManifest[] = [];
  for (const { name } of names) {
    const { rows } = await db.query<{ last_value: number; is_called: boolean }>(
      `select last_value, is_called from ${pg.escapeIdentifier(name)}`,
    );
    const state = rows[0];
    if (state) sequences.push({ name, ...state });
  }
  return sequences;
}

/** Week starts of system_logs' weekly partitions (migration 0011); none before that migration. */
export async function readLogPartitions(db: Queryable): Promise<string[]> {
  const { rows: present } = await db.query<{ present: boolean }>(
    `select to_regprocedure('kgdb_system_logs_partitions()') is not null as present`,
  );
  if (!present[0]?.present) return [];
  const { rows } = await db.query<{ week: Date }>(
    'select from_ts as week from kgdb_system_logs_partitions() where from_ts is not null order by from_ts',
  );
  return rows.map((r) => r.week.toISOString());
}
