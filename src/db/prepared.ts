import { createHash } from 'node:crypto';

/**
 * Names for server-side prepared statements. A named statement is parsed and planned once per connection
 * and then only bound and executed: for the gene list's small, fixed set of query shapes (values are always
 * parameters, so the text of a shape never changes) that saves the planning, which costs more than running
 * the query on an index. The name is a hash of the text, so equal texts share a statement and two texts can
 * never collide on a name (node-postgres refuses a name reused with other text). Shapes are finite but their
 * combinations (multi-field sorts, filter sets) are many: past `limit` distinct texts a new one runs unnamed,
 * so no connection holds an unbounded number of plans.
 */
export interface StatementNamer {
  /** The statement's name, or undefined when the text should run unnamed. */
  nameFor(text: string): string | undefined;
  /** Distinct texts named so far. */
  size(): number;
}

export function createStatementNamer(prefix: string, limit: number): StatementNamer {
  const names = new Map<string, string>();
  return {
    nameFor(text) {
      const known = names.get(text);
      if (known !== undefined || names.size >= limit) return known;
      const name = `${prefix}_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`;
      names.set(text, name);
      return name;
    },
    size: () => names.size,
  };
}
