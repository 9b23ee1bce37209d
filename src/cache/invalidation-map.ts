import { KgdbError } from '../errors.js';
import type { Registry } from '../views/registry.js';

/** What the domain code declares for each namespace: the relations its queries read directly. */
export interface NamespaceReads {
  name: string;
  /** Declared views (plain or materialized) and base tables the namespace's SQL names in FROM/JOIN. */
  reads: readonly string[];
}

/**
 * Which change clears which namespaces, derived from the view registry's graph (never written by hand):
 * starting at the relations a namespace reads, follow plain views down to their dependencies. A base table
 * reached this way is read live, so its change trigger (kgdb_table_changed) clears the namespace; a
 * materialized view reached this way shows new rows only after a refresh, so its refresh notification
 * (kgdb_view_refreshed) clears the namespace, and the tables beneath it do not (a write there changes nothing
 * the namespace can see until that refresh).
 */
export interface InvalidationMap {
  /** Base table → namespaces reading it live, names sorted. */
  readonly byTable: ReadonlyMap<string, readonly string[]>;
  /** Materialized view → namespaces reading it (directly or through plain views), names sorted. */
  readonly byMatview: ReadonlyMap<string, readonly string[]>;
  /** Every base table some namespace reads live: each needs the change trigger. */
  readonly tables: readonly string[];
}

/** Builds the map, or throws one INVALID_INPUT error listing every relation that is neither a view nor a
 * base table of the registry. A base table no declared view reads has no change trigger (the registry installs
 * them), so a namespace reading it could never be invalidated: that is an error too. Pure. */
export function buildInvalidationMap(
  registry: Registry,
  namespaces: readonly NamespaceReads[],
): InvalidationMap {
  const baseTables = new Set(registry.baseTables);
  const problems: string[] = [];
  const byTable = new Map<string, Set<string>>();
  const byMatview = new Map<string, Set<string>>();
  const add = (map: Map<string, Set<string>>, relation: string, ns: string) => {
    const set = map.get(relation) ?? new Set<string>();
    map.set(relation, set);
    set.add(ns);
  };

  for (const ns of namespaces) {
    const seen = new Set<string>();
    const visit = (relation: string) => {
      if (seen.has(relation)) return;
      seen.add(relation);
      const view = registry.byName.get(relation);
      if (view?.kind === 'materialized') add(byMatview, relation, ns.name);
      else if (view) for (const dep of view.dependsOn) visit(dep);
      else if (baseTables.has(relation)) add(byTable, relation, ns.name);
      else
        problems.push(
          `${ns.name}: reads '${relation}', which is neither a declared view nor a table a declared view reads (no change trigger)`,
        );
    };
    if (ns.reads.length === 0) problems.push(`${ns.name}: declares no relations`);
    for (const relation of ns.reads) visit(relation);
  }
  if (problems.length > 0) {
    throw new KgdbError('INVALID_INPUT', {
      detail: `Invalid cache declarations:\n- ${problems.join('\n- ')}`,
    });
  }
  const frozen = (map: Map<string, Set<string>>) =>
    new Map([...map].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, [...v].sort()] as const));
  return { byTable: frozen(byTable), byMatview: frozen(byMatview), tables: [...byTable.keys()].sort() };
}
