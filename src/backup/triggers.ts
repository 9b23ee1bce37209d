import pg from 'pg';
import type { PoolClient } from '../db/pool.js';

/** A trigger switched off for the load, and how it was enabled before ('O' origin, 'A' always, 'R' replica). */
export interface SuspendedTrigger {
  table: string;
  name: string;
  enabled: 'O' | 'A' | 'R';
}

/**
 * The statement-level change notification the view registry puts on base tables: it only NOTIFYs (at commit),
 * so it stays on during a load and every running instance's cache hears about the restored tables.
 */
const NOTIFY_ONLY_FUNCTION = 'kgdb_notify_table_changed';

const ENABLE: Record<SuspendedTrigger['enabled'], string> = {
  O: 'enable trigger',
  A: 'enable always trigger',
  R: 'enable replica trigger',
};

const ident = (name: string) => pg.escapeIdentifier(name);

/**
 * Switches off the user triggers of `tables` that would change what is loaded: feature_flags' triggers would
 * re-stamp versions and write an audit event per restored flag, and refuse the TRUNCATE. Foreign keys are
 * internal triggers and stay on. ALTER TABLE is transactional: inside the restore's transaction nobody else
 * ever sees them off, and a rollback puts them back by itself.
 */
export async function suspendTriggers(
  client: PoolClient,
  tables: readonly string[],
): Promise<SuspendedTrigger[]> {
  const { rows } = await client.query<SuspendedTrigger>(
    `select c.relname::text as table, t.tgname::text as name, t.tgenabled::text as enabled
       from pg_trigger t
       join pg_class c on c.oid = t.tgrelid
       join pg_namespace n on n.oid = c.relnamespace
       join pg_proc p on p.oid = t.tgfoid
      where n.nspname = 'public' and c.relname = any($1::text[])
        and not t.tgisinternal and t.tgparentid = 0 and t.tgenabled <> 'D' and p.proname <> $2
      order by c.relname, t.tgname`,
    [tables, NOTIFY_ONLY_FUNCTION],
  );
  for (const t of rows) await client.query(`alter table ${ident(t.table)} disable trigger ${ident(t.name)}`);
  return rows;
}

/** Switches the suspended triggers back on as they were. */
export async function resumeTriggers(
  client: PoolClient,
  suspended: readonly SuspendedTrigger[],
): Promise<void> {
  for (const t of suspended) {
    await client.query(`alter table ${ident(t.table)} ${ENABLE[t.enabled]} ${ident(t.name)}`);
  }
}
