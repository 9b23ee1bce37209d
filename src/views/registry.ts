import { KgdbError } from '../errors.js';
import type { IndexDef, ViewDef } from './view-def.js';

/**
 * The validated dependency graph of the declared views. Pure: built from the declarations only; the catalog
 * checks live in apply.ts. Cache invalidation and the refresher use the closures to map a changed base table
 * to the views that read it.
 */
export interface Registry {
  /** Every view, dependencies before dependents; ties keep declaration order. */
  readonly ordered: readonly ViewDef[];
  readonly byName: ReadonlyMap<string, ViewDef>;
  /** Every dependsOn name that is not a declared view, sorted. */
  readonly baseTables: readonly string[];
  /** Views that read `name` (a view or a base table) directly or through other views, in topological order. */
  dependentsOf(name: string): string[];
  /** Declared views `name` reads directly or transitively, in topological order. */
  ancestorsOf(name: string): string[];
  /** Base tables `name` reads directly or transitively, sorted. */
  baseTablesOf(name: string): string[];
}

/** Names become unquoted-looking identifiers in DDL and catalog look-ups; anything else is a typo. */
const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

/** A column name with optional ordering: no expression, no opclass (the `(expr)` form never matches). */
const PLAIN_INDEX_COLUMN = /^[a-z_][a-z0-9_]*(\s+(asc|desc))?(\s+nulls\s+(first|last))?$/i;

/** A plain column reference (what REFRESH … CONCURRENTLY requires of its unique index), not an expression. */
function isPlainColumn(column: string): boolean {
  return PLAIN_INDEX_COLUMN.test(column.trim());
}

/** Builds the graph or throws one INVALID_INPUT error listing every problem (one per line). */
export function buildRegistry(views: readonly ViewDef[]): Registry {
  const problems = [...shapeProblems(views), ...concurrentRefreshProblems(views)];
  const byName = new Map(views.map((v) => [v.name, v] as const));
  const cycle = findCycle(views);
  if (cycle) problems.push(`dependency cycle: ${cycle.join(' → ')}`);
  if (problems.length > 0) {
    throw new KgdbError('INVALID_INPUT', { detail: `Invalid view registry:\n- ${problems.join('\n- ')}` });
  }
  const ordered = topoOrder(views);
  const position = new Map(ordered.map((v, i) => [v.name, i] as const));
  const byPosition = (a: string, b: string) => (position.get(a) ?? 0) - (position.get(b) ?? 0);
  const dependents = reverseEdges(views);
  const baseTables = [...new Set(views.flatMap((v) => v.dependsOn.filter((d) => !byName.has(d))))].sort();
  const baseClosure = baseTableClosure(views);
  return {
    ordered,
    byName,
    baseTables,
    dependentsOf: (name) => [...reach(name, (n) => dependents.get(n) ?? [])].sort(byPosition),
    ancestorsOf: (name) =>
      [...reach(name, (n) => byName.get(n)?.dependsOn.filter((d) => byName.has(d)) ?? [])].sort(byPosition),
    baseTablesOf: (name) => [...(baseClosure.get(name) ?? [])],
  };
}

/** Declaration problems that need no graph: names, duplicates, indexes on plain views. */
function shapeProblems(views: readonly ViewDef[]): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  const indexNames = new Set<string>();
  for (const v of views) {
    if (!IDENTIFIER.test(v.name)) problems.push(`${v.name}: name must match ${IDENTIFIER}`);
    if (seen.has(v.name)) problems.push(`${v.name}: declared more than once`);
    seen.add(v.name);
    if (v.dependsOn.includes(v.name)) problems.push(`dependency cycle: ${v.name} → ${v.name}`);
    if (v.kind === 'view' && (v.indexes?.length || v.refresh)) {
      problems.push(`${v.name}: indexes and refresh policy apply to materialized views only`);
    }
    for (const ix of v.indexes ?? []) {
      if (!IDENTIFIER.test(ix.name))
        problems.push(`${v.name}: index name ${ix.name} must match ${IDENTIFIER}`);
      if (indexNames.has(ix.name)) problems.push(`${v.name}: index name ${ix.name} is used twice`);
      if (ix.columns.length === 0) problems.push(`${v.name}: index ${ix.name} has no columns`);
      indexNames.add(ix.name);
    }
  }
  return problems;
}

/** An index REFRESH MATERIALIZED VIEW CONCURRENTLY can use: unique, plain columns only, no WHERE. */
export function isConcurrentRefreshIndex(ix: IndexDef): boolean {
  return ix.unique === true && ix.where === undefined && ix.columns.every(isPlainColumn);
}

/** Checked before any DDL: the server would only refuse at the first concurrent refresh, hours later. */
export function concurrentRefreshProblems(views: readonly ViewDef[]): string[] {
  return views
    .filter((v) => v.kind === 'materialized' && v.refresh?.concurrently)
    .filter((v) => !(v.indexes ?? []).some(isConcurrentRefreshIndex))
    .map(
      (v) =>
        `${v.name}: refresh.concurrently needs a UNIQUE index on plain columns without WHERE (has: ${
          (v.indexes ?? []).map((ix) => ix.name).join(', ') || 'no indexes'
        })`,
    );
}

/** The first cycle among declared views as a closed path (`a → b → c → a`), or undefined. */
export function findCycle(views: readonly ViewDef[]): string[] | undefined {
  const byName = new Map(views.map((v) => [v.name, v] as const));
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (name: string): string[] | undefined => {
    if (state.get(name) === 'done') return undefined;
    if (state.get(name) === 'open') return [...path.slice(path.indexOf(name)), name];
    state.set(name, 'open');
    path.push(name);
    for (const dep of byName.get(name)?.dependsOn ?? []) {
      if (dep === name || !byName.has(dep)) continue;
      const found = visit(dep);
      if (found) return found;
    }
    path.pop();
    state.set(name, 'done');
    return undefined;
  };
  for (const v of views) {
    const found = visit(v.name);
    // Reported in reading order: each view is followed by one it depends on.
    if (found) return found;
  }
  return undefined;
}

/** Dependencies first; among views that are ready at the same time, declaration order. Assumes no cycle. */
export function topoOrder(views: readonly ViewDef[]): ViewDef[] {
  const byName = new Map(views.map((v) => [v.name, v] as const));
  const placed = new Set<string>();
  const out: ViewDef[] = [];
  while (out.length < views.length) {
    const ready = views.find(
      (v) => !placed.has(v.name) && v.dependsOn.every((d) => d === v.name || !byName.has(d) || placed.has(d)),
    );
    if (!ready) throw new Error('topoOrder: the views contain a cycle');
    placed.add(ready.name);
    out.push(ready);
  }
  return out;
}

/** For every view, the base tables (non-declared dependsOn names) it reads directly or through other views. */
export function baseTableClosure(views: readonly ViewDef[]): Map<string, string[]> {
  const byName = new Map(views.map((v) => [v.name, v] as const));
  const memo = new Map<string, Set<string>>();
  const tablesOf = (name: string): Set<string> => {
    const known = memo.get(name);
    if (known) return known;
    const tables = new Set<string>();
    memo.set(name, tables);
    for (const dep of byName.get(name)?.dependsOn ?? []) {
      if (byName.has(dep)) for (const t of tablesOf(dep)) tables.add(t);
      else tables.add(dep);
    }
    return tables;
  };
  return new Map(views.map((v) => [v.name, [...tablesOf(v.name)].sort()] as const));
}

function reverseEdges(views: readonly ViewDef[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const v of views) for (const d of v.dependsOn) out.set(d, [...(out.get(d) ?? []), v.name]);
  return out;
}

/** Everything reachable from `start` (excluding it) by following `next`. */
function reach(start: string, next: (name: string) => readonly string[]): Set<string> {
  const seen = new Set<string>();
  const stack = [...next(start)];
  while (stack.length > 0) {
    const name = stack.pop() as string;
    if (seen.has(name) || name === start) continue;
    seen.add(name);
    stack.push(...next(name));
  }
  return seen;
}
