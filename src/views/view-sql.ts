import { createHash } from 'node:crypto';
import pg from 'pg';
import type { IndexDef, ViewDef } from './view-def.js';

/**
 * Pure builders for every statement the registry runs. Identifiers come only from validated declarations
 * and are quoted; index expressions and view bodies are code from src/views/defs, never user input.
 */

const ident = (name: string) => pg.escapeIdentifier(name);

/** The SELECT body as the server gets it: a trailing semicolon would end the CREATE statement early. */
export function viewBody(def: Pick<ViewDef, 'sql'>): string {
  return def.sql.trim().replace(/;\s*$/, '');
}

/**
 * Everything in a declaration that shapes the database object: equal versions mean no DDL. dependsOn and
 * the refresh policy are left out on purpose: changing them changes no object.
 */
export function viewVersion(def: ViewDef): string {
  const indexes = (def.indexes ?? []).map((ix) => ({
    name: ix.name,
    columns: ix.columns,
    unique: ix.unique === true,
    method: ix.method ?? 'btree',
    where: ix.where ?? null,
  }));
  const canonical = JSON.stringify({ kind: def.kind, sql: viewBody(def), indexes });
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16);
}

export function createViewSql(def: ViewDef, orReplace = false): string {
  if (def.kind === 'materialized')
    return `create materialized view ${ident(def.name)} as\n${viewBody(def)}\nwith data`;
  return `create ${orReplace ? 'or replace ' : ''}view ${ident(def.name)} as\n${viewBody(def)}`;
}

export function createIndexSql(view: string, ix: IndexDef): string {
  // Index elements are SQL as PostgreSQL takes them ('gene_id', 'score desc nulls last', '(lower(sym))').
  const columns = ix.columns.join(', ');
  const where = ix.where === undefined ? '' : ` where ${ix.where}`;
  return `create ${ix.unique ? 'unique ' : ''}index ${ident(ix.name)} on ${ident(view)} using ${ix.method ?? 'btree'} (${columns})${where}`;
}

/** `name` may be schema-qualified: catalog dependents outside our schema come as `schema.view`. */
export function dropViewSql(name: string, kind: 'view' | 'materialized'): string {
  const qualified = name.split('.').map(ident).join('.');
  return `drop ${kind === 'materialized' ? 'materialized view' : 'view'} ${qualified}`;
}

export function refreshSql(name: string, concurrently: boolean): string {
  return `refresh materialized view ${concurrently ? 'concurrently ' : ''}${ident(name)}`;
}

/** Output columns of the body without running it: LIMIT 0 stops the executor before the first row. */
export function describeSql(def: ViewDef): string {
  return `select * from (\n${viewBody(def)}\n) as kgdb_describe limit 0`;
}

export const CHANGE_TRIGGER = 'kgdb_table_changed';

export function createChangeTriggerSql(table: string): string {
  return `create trigger ${CHANGE_TRIGGER} after insert or update or delete or truncate on ${ident(table)} for each statement execute function kgdb_notify_table_changed()`;
}

export function dropChangeTriggerSql(table: string): string {
  return `drop trigger ${CHANGE_TRIGGER} on ${ident(table)}`;
}

export interface ColumnShape {
  name: string;
  typeOid: number;
  typmod: number;
}

/**
 * CREATE OR REPLACE VIEW keeps every existing column (same name, type and position) and may only append:
 * anything else must drop the view and its dependents.
 */
export function isAppendOnly(live: readonly ColumnShape[], next: readonly ColumnShape[]): boolean {
  if (next.length < live.length) return false;
  return live.every((col, i) => {
    const n = next[i];
    return n !== undefined && n.name === col.name && n.typeOid === col.typeOid && n.typmod === col.typmod;
  });
}
