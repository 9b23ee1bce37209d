import type { Queryable } from '../db/pool.js';
import type { ViewKind } from './view-def.js';

/** A row of kgdb_view_registry: what the registry last applied for one view. */
export interface AppliedView {
  name: string;
  kind: ViewKind;
  version: string;
  /** pg_get_viewdef right after the apply. */
  definition: string;
  appliedAt: Date;
}

export async function readApplied(db: Queryable): Promise<Map<string, AppliedView>> {
  const { rows } = await db.query<AppliedView>(
    `select name, kind, version, definition, applied_at as "appliedAt" from kgdb_view_registry`,
  );
  return new Map(rows.map((r) => [r.name, r] as const));
}

/** Records the version and reads the definition back from the server, so it is compared like for like. */
export async function recordApplied(
  db: Queryable,
  name: string,
  kind: ViewKind,
  version: string,
): Promise<void> {
  await db.query(
    `insert into kgdb_view_registry (name, kind, version, definition)
     select $1, $2, $3, pg_get_viewdef(to_regclass(quote_ident($1)))
     on conflict (name) do update
       set kind = excluded.kind, version = excluded.version, definition = excluded.definition, applied_at = now()`,
    [name, kind, version],
  );
}

export async function forgetApplied(db: Queryable, names: readonly string[]): Promise<void> {
  if (names.length === 0) return;
  await db.query('delete from kgdb_view_registry where name = any($1::text[])', [names]);
  await db.query('delete from kgdb_view_refresh_state where name = any($1::text[])', [names]);
}
