import type { Queryable } from '../db/pool.js';
import { CHANGE_TRIGGER, type ColumnShape } from './view-sql.js';

/**
 * Read-only catalog queries for the registry. Everything lives in current_schema(); a relation elsewhere is
 * named `schema.name`. A view's dependencies are the relations its _RETURN rule references in pg_depend.
 */

type RelationKind = 'view' | 'materialized' | 'table' | 'other';

export interface LiveRelation {
  name: string;
  kind: RelationKind;
  /** pg_get_viewdef: the server's normalised text; what drift is measured against. */
  definition: string | null;
  populated: boolean;
  /** Index names on the relation (matviews). */
  indexes: string[];
  /** A unique, valid index on plain columns without predicate exists: REFRESH … CONCURRENTLY can run. */
  hasConcurrentIndex: boolean;
}

/** The relation's name as dependsOn spells it. */
const QUALIFIED = `(case when n.nspname = current_schema() then c.relname::text else n.nspname || '.' || c.relname end)`;

/** Our own schema's relations by name; names that are absent are simply not in the map. */
export async function liveRelations(
  db: Queryable,
  names: readonly string[],
): Promise<Map<string, LiveRelation>> {
  const { rows } = await db.query<LiveRelation>(
    `select c.relname as name,
            case c.relkind when 'v' then 'view' when 'm' then 'materialized'
                           when 'r' then 'table' when 'p' then 'table' else 'other' end as kind,
            case when c.relkind in ('v', 'm') then pg_get_viewdef(c.oid) end as definition,
            c.relispopulated as populated,
            coalesce(array(select ic.relname::text from pg_index i join pg_class ic on ic.oid = i.indexrelid
                            where i.indrelid = c.oid order by ic.relname), '{}') as indexes,
            exists (select 1 from pg_index i
                     where i.indrelid = c.oid and i.indisunique and i.indisvalid and i.indpred is null
                       and i.indexprs is null) as "hasConcurrentIndex"
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = current_schema() and c.relname = any($1::text[])`,
    [names],
  );
  return new Map(rows.map((r) => [r.name, r] as const));
}

/**
 * What REFRESH needs to know, without pg_get_viewdef: that takes AccessShareLock on every relation the view
 * reads, so it would queue behind any lock on a base table before the refresh even starts.
 */
export async function matviewRefreshInfo(
  db: Queryable,
  name: string,
): Promise<{ populated: boolean; hasConcurrentIndex: boolean } | undefined> {
  const { rows } = await db.query<{ populated: boolean; hasConcurrentIndex: boolean }>(
    `select c.relispopulated as populated,
            exists (select 1 from pg_index i
                     where i.indrelid = c.oid and i.indisunique and i.indisvalid and i.indpred is null
                       and i.indexprs is null) as "hasConcurrentIndex"
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = current_schema() and c.relname = $1 and c.relkind = 'm'`,
    [name],
  );
  return rows[0];
}

/** Every view or matview in our schema: prune and status compare these with the declarations. */
export async function liveViewNames(db: Queryable): Promise<string[]> {
  const { rows } = await db.query<{ name: string }>(
    `select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = current_schema() and c.relkind in ('v', 'm') order by 1`,
  );
  return rows.map((r) => r.name);
}

/** The output columns of an existing view, in order. */
export async function liveColumns(db: Queryable, name: string): Promise<ColumnShape[]> {
  const { rows } = await db.query<ColumnShape>(
    `select a.attname as name, a.atttypid::int as "typeOid", a.atttypmod as typmod
       from pg_attribute a join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = current_schema() and c.relname = $1 and a.attnum > 0 and not a.attisdropped
      order by a.attnum`,
    [name],
  );
  return rows;
}

/** For each named view, the relations its definition reads (the catalog's edges). */
export async function catalogDependencies(
  db: Queryable,
  views: readonly string[],
): Promise<Map<string, string[]>> {
  const { rows } = await db.query<{ view: string; deps: string[] }>(
    `select v.relname as view,
            coalesce(array_agg(distinct ${QUALIFIED}) filter (where c.oid is not null), '{}') as deps
       from pg_class v join pg_namespace vn on vn.oid = v.relnamespace
       join pg_rewrite r on r.ev_class = v.oid
       left join pg_depend d on d.classid = 'pg_rewrite'::regclass and d.objid = r.oid
                            and d.refclassid = 'pg_class'::regclass and d.refobjid <> v.oid
       left join pg_class c on c.oid = d.refobjid
       left join pg_namespace n on n.oid = c.relnamespace
      where vn.nspname = current_schema() and v.relname = any($1::text[])
      group by v.relname`,
    [views],
  );
  return new Map(rows.map((r) => [r.view, [...r.deps].sort()] as const));
}

export interface CatalogDependent {
  name: string;
  kind: 'view' | 'materialized' | 'other';
  /** Longest path from the root: dropping by descending depth drops every view before what it reads. */
  depth: number;
}

/** Every view reading `name` directly or transitively, according to the catalog (not the declarations). */
export async function catalogDependents(db: Queryable, name: string): Promise<CatalogDependent[]> {
  const { rows } = await db.query<CatalogDependent>(
    `with recursive root as (
       select c.oid from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = current_schema() and c.relname = $1
     ), dependents(oid, depth) as (
       select r.ev_class, 1 from root
         join pg_depend d on d.refclassid = 'pg_class'::regclass and d.refobjid = root.oid
                         and d.classid = 'pg_rewrite'::regclass
         join pg_rewrite r on r.oid = d.objid
        where r.ev_class <> root.oid
       union
       select r.ev_class, dep.depth + 1 from dependents dep
         join pg_depend d on d.refclassid = 'pg_class'::regclass and d.refobjid = dep.oid
                         and d.classid = 'pg_rewrite'::regclass
         join pg_rewrite r on r.oid = d.objid
        where r.ev_class <> dep.oid and dep.depth < 64
     )
     select ${QUALIFIED} as name,
            case c.relkind when 'v' then 'view' when 'm' then 'materialized' else 'other' end as kind,
            max(dep.depth)::int as depth
       from dependents dep join pg_class c on c.oid = dep.oid join pg_namespace n on n.oid = c.relnamespace
      group by 1, 2
      order by depth desc, name`,
    [name],
  );
  return rows;
}

/** Tables that carry the registry's change-notification trigger. */
export async function triggeredTables(db: Queryable): Promise<string[]> {
  const { rows } = await db.query<{ name: string }>(
    `select c.relname as name from pg_trigger t join pg_class c on c.oid = t.tgrelid
       join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = current_schema() and t.tgname = $1 and not t.tgisinternal order by 1`,
    [CHANGE_TRIGGER],
  );
  return rows.map((r) => r.name);
}
