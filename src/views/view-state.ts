import type { LiveRelation } from './catalog.js';
import type { AppliedView } from './registry-store.js';
import type { ViewDef } from './view-def.js';
import { viewVersion } from './view-sql.js';

const VIEW_STATES = ['in_sync', 'drifted', 'missing', 'outdated'] as const;
/**
 * - in_sync: exists, the declared version is the one applied, and the live definition is the recorded one.
 * - missing: no relation of that name.
 * - outdated: the declaration changed since the last apply (or the registry never applied this view).
 * - drifted: same declaration, but the live object changed behind the registry's back.
 */
export type ViewState = (typeof VIEW_STATES)[number];

export function viewState(
  def: ViewDef,
  live: LiveRelation | undefined,
  applied: AppliedView | undefined,
): ViewState {
  if (!live) return 'missing';
  if (!applied || applied.version !== viewVersion(def) || applied.kind !== def.kind) return 'outdated';
  if (live.kind !== def.kind || live.definition !== applied.definition) return 'drifted';
  const liveIndexes = new Set(live.indexes);
  if ((def.indexes ?? []).some((ix) => !liveIndexes.has(ix.name))) return 'drifted';
  return 'in_sync';
}

/**
 * Declared dependsOn against the catalog's edges (pg_depend of each view's rewrite rule). A missing
 * declaration hides a dependent from replace and refresh ordering; an extra one orders work that is not needed.
 */
export function edgeProblems(
  views: readonly ViewDef[],
  catalog: ReadonlyMap<string, readonly string[]>,
): string[] {
  const problems: string[] = [];
  for (const v of views) {
    const live = new Set(catalog.get(v.name) ?? []);
    const declared = new Set(v.dependsOn);
    for (const d of [...live].sort()) {
      if (!declared.has(d)) problems.push(`${v.name} depends on ${d} in the catalog but does not declare it`);
    }
    for (const d of [...declared].sort()) {
      if (!live.has(d))
        problems.push(`${v.name} declares a dependency on ${d} that the catalog does not have`);
    }
  }
  return problems;
}
