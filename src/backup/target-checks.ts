import pg from 'pg';
import type { Queryable } from '../db/pool.js';
import { KgdbError } from '../errors.js';
import type { TableInfo } from './catalog.js';
import { fileError } from './file-error.js';
import type { Manifest } from './manifest.js';

/**
 * The application_name of the LISTEN session each running kgdb server holds for its feature-flag snapshot
 * (src/rollout/flags/flag-snapshot.ts): one such session per server connected to the database.
 */
const SERVER_SESSION = 'kgdb-flags';

/** How many kgdb servers are connected to the database now, by their flag listeners. */
export async function connectedServers(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    'select count(*)::int as n from pg_stat_activity where datname = current_database() and application_name = $1',
    [SERVER_SESSION],
  );
  return rows[0]?.n ?? 0;
}

/** The target's tables that hold rows, in the order given. */
export async function tablesWithRows(db: Queryable, tables: readonly TableInfo[]): Promise<string[]> {
  const held: string[] = [];
  for (const { name } of tables) {
    const { rows } = await db.query<{ any: boolean }>(
      `select exists (select from ${pg.escapeIdentifier(name)}) as any`,
    );
    if (rows[0]?.any) held.push(name);
  }
  return held;
}

/** Without --replace, a target with rows in any kgdb table is refused, naming the tables. Pure. */
export function assertEmptyTarget(heldRows: readonly string[]): void {
  if (heldRows.length === 0) return;
  throw new KgdbError('CONFLICT', {
    detail:
      `the target database is not empty: ${heldRows.join(', ')} hold rows. Restore into an empty database, ` +
      'or pass --replace to replace the contents of every kgdb table with the archive',
  });
}

/**
 * Every table of the archive exists in the target (brought to the archive's schema version) with every column
 * the archive copied; the target's tables are the whitelist the load's identifiers come from. Pure.
 */
export function assertTablesFit(manifest: Manifest, target: readonly TableInfo[]): void {
  const byName = new Map(target.map((t) => [t.name, t]));
  for (const table of manifest.tables) {
    const found = byName.get(table.name);
    const where = `at schema version ${manifest.schema_version}`;
    if (!found) {
      throw fileError(`the archive holds table ${table.name}, which the target database lacks ${where}`);
    }
    const missing = table.columns.filter((c) => !found.columns.includes(c));
    if (missing.length > 0) {
      throw fileError(
        `the archive's table ${table.name} has columns ${missing.join(', ')}, which the target database lacks ${where}`,
      );
    }
  }
}

/** Creates system_logs' weekly partitions the archive had (migration 0011's function), so rows land in them. */
export async function createLogPartitions(db: Queryable, weeks: readonly string[]): Promise<void> {
  if (weeks.length === 0) return;
  const { rows } = await db.query<{ present: boolean }>(
    `select to_regprocedure('kgdb_system_logs_ensure_partitions(timestamptz, timestamptz, integer)') is not null as present`,
  );
  if (!rows[0]?.present) {
    throw fileError(
      'the archive lists system_logs partitions, but its schema version has no partitioned system_logs',
    );
  }
  for (const week of weeks) {
    await db.query('select kgdb_system_logs_ensure_partitions($1::timestamptz, $1::timestamptz)', [week]);
  }
}

/**
 * Puts every sequence back as it was at the snapshot, then moves any sequence that owns a column of a restored
 * table past that column's largest value (identity and serial ids), so the next insert cannot collide.
 */
export async function restoreSequences(db: Queryable, manifest: Manifest): Promise<void> {
  for (const s of manifest.sequences) {
    const { rows } = await db.query<{ present: boolean }>('select to_regclass($1) is not null as present', [
      pg.escapeIdentifier(s.name),
    ]);
    if (!rows[0]?.present) {
      throw fileError(
        `the archive holds sequence ${s.name}, which the target database lacks at schema version ${manifest.schema_version}`,
      );
    }
    await db.query('select setval($1::regclass, $2, $3)', [
      pg.escapeIdentifier(s.name),
      s.last_value,
      s.is_called,
    ]);
  }
  const { rows: owned } = await db.query<{ table: string; column: string; sequence: string }>(
    `select c.relname::text as table, a.attname::text as column, s.relname::text as sequence
       from pg_depend d
       join pg_class s on s.oid = d.objid and s.relkind = 'S'
       join pg_class c on c.oid = d.refobjid
       join pg_namespace n on n.oid = c.relnamespace
       join pg_attribute a on a.attrelid = c.oid and a.attnum = d.refobjsubid
      where d.classid = 'pg_class'::regclass and d.refclassid = 'pg_class'::regclass
        and d.deptype in ('a', 'i') and n.nspname = 'public' and c.relname = any($1::text[])`,
    [manifest.tables.map((t) => t.name)],
  );
  for (const o of owned) {
    const seq = pg.escapeIdentifier(o.sequence);
    await db.query(
      `select setval($1::regclass, m.max_id)
         from (select max(${pg.escapeIdentifier(o.column)}) as max_id from ${pg.escapeIdentifier(o.table)}) m,
              ${seq} s
        where m.max_id > case when s.is_called then s.last_value else s.last_value - 1 end`,
      [seq],
    );
  }
}
