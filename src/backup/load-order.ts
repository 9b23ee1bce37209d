/** A foreign key: rows of `from` reference rows of `to`. */
export interface Reference {
  from: string;
  to: string;
}

/**
 * The tables in an order a plain load can follow: every table after the tables it references (foreign keys
 * here are not deferrable, so a referenced row must exist when the referencing row arrives). Ties in name
 * order, so the same schema gives the same archive layout. Self-references and references to tables outside
 * the set do not constrain the order. A cycle cannot be loaded table by table: it throws, naming the tables.
 * Pure.
 */
export function loadOrder(tables: readonly string[], references: readonly Reference[]): string[] {
  const set = new Set(tables);
  const needs = new Map<string, Set<string>>(tables.map((t) => [t, new Set<string>()]));
  for (const { from, to } of references) {
    if (from !== to && set.has(from) && set.has(to)) needs.get(from)?.add(to);
  }
  const ordered: string[] = [];
  const placed = new Set<string>();
  const remaining = [...set].sort();
  while (remaining.length > 0) {
    const next = remaining.findIndex((t) => [...(needs.get(t) ?? [])].every((d) => placed.has(d)));
    if (next < 0) throw new Error(`tables reference each other in a cycle: ${remaining.join(', ')}`);
    const [table] = remaining.splice(next, 1) as [string];
    ordered.push(table);
    placed.add(table);
  }
  return ordered;
}
