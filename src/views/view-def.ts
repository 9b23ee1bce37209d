/**
 * Glossary
 * - view def: one declared view (plain or materialized); its SQL lives only in its file under src/views/defs.
 * - dependency: a relation (view or base table) the SQL reads directly; the registry checks these against the catalog.
 * - dependent: a view whose SQL reads this one; replacing a view that must be dropped drops and recreates them.
 * - version: a hash of everything in the def that shapes the database object; unchanged version = no DDL.
 * - drift: the live definition differs from what the registry last applied (someone changed it behind our back).
 */

export type ViewKind = 'view' | 'materialized';

export interface IndexDef {
  /** Index name, unique in the schema. */
  name: string;
  /** Column names or SQL expressions, in order. */
  columns: readonly string[];
  unique?: boolean;
  method?: 'btree' | 'gin' | 'gist';
  /** Partial index predicate; a unique index used for REFRESH … CONCURRENTLY may not have one. */
  where?: string;
}

interface RefreshPolicy {
  /** Refresh CONCURRENTLY once populated; requires a unique index on plain columns without WHERE. */
  concurrently: boolean;
}

export interface ViewDef {
  name: string;
  kind: ViewKind;
  /** The SELECT body, with explicit casts on every output column so column types are stable. */
  sql: string;
  /** Every relation (view or base table) the SQL reads directly. */
  dependsOn: readonly string[];
  /** Materialized views only. */
  indexes?: readonly IndexDef[];
  /** Materialized views only. */
  refresh?: RefreshPolicy;
}
