/** Shared pieces of the view repository's SQL builders: the relation read and bound parameters. */

/** Where the builders read admin logs from: a relation that keeps only request log rows. */
export interface LogRelation {
  /** FROM item, aliased `l`, exposing system_logs' column names. */
  from: string;
  /** The status_category of `l` (< 400 success, < 500 client_error, otherwise server_error). */
  statusCategory: string;
}

export interface SqlQuery {
  text: string;
  values: unknown[];
  /**
   * false: run unnamed, planned for its values each time and kept by no connection (a rare shape whose plan is
   * large, such as a deep page's UNION of every branch over every partition). Otherwise the reader names it.
   */
  prepared?: false;
}

/** Collects values and hands out `$n::type` placeholders: every value is bound, never spliced into SQL. */
export class Params {
  readonly values: unknown[] = [];
  bind(value: unknown, cast: string): string {
    this.values.push(value);
    return `$${this.values.length}::${cast}`;
  }
}

export const whereSql = (where: readonly string[]): string =>
  where.length > 0 ? `where ${where.join('\n   and ')}` : '';
