/** Shared pieces of the admin log SQL builders: the relation read, bound parameters, LIKE escaping. */

/**
 * Where a repository reads admin logs from. Everything else (columns, filters, order, keyset) is the same SQL
 * for both repositories, so their pages are equal row for row by construction; what differs is the relation.
 */
export interface LogRelation {
  /** FROM item, aliased `l`, exposing system_logs' column names. */
  from: string;
  /** The request-log predicate the relation does not already apply (null: built into the relation). */
  scope: string | null;
  /** DESIGN §4.9's status_category of `l`. */
  statusCategory: string;
}

export interface SqlQuery {
  text: string;
  values: unknown[];
}

/** Collects values and hands out `$n::type` placeholders: every value is bound, never spliced into SQL. */
export class Params {
  readonly values: unknown[] = [];
  bind(value: unknown, cast: string): string {
    this.values.push(value);
    return `$${this.values.length}::${cast}`;
  }
}

/** `%`, `_` and `\` in a contains-filter are literal characters, not LIKE wildcards. */
export function escapeLike(raw: string): string {
  return raw.replace(/[\\%_]/g, (c) => `\\${c}`);
}

export const containsPattern = (raw: string): string => `%${escapeLike(raw)}%`;

export const whereSql = (where: readonly string[]): string =>
  where.length > 0 ? `where ${where.join('\n   and ')}` : '';
