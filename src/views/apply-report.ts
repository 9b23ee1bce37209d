import type { Logger } from '../logger.js';
import type { Progress } from '../progress.js';

export interface ApplyOptions {
  /** Drop views the registry created earlier that are no longer declared. */
  prune?: boolean;
  /** Drop catalog dependents the registry does not know instead of stopping with an error. */
  cascade?: boolean;
  logger?: Logger;
  progress?: Progress;
}

export interface ApplyReport {
  /** Views that did not exist. */
  created: string[];
  /** Plain views changed in place with CREATE OR REPLACE VIEW (only columns appended). */
  replaced: string[];
  /** Views dropped and created again: changed incompatibly, or dependents of such a view. */
  recreated: string[];
  /** Matviews repopulated because a view they read was replaced in place. */
  refreshed: string[];
  /** Views dropped for good: pruned, or unknown dependents dropped under cascade. */
  dropped: string[];
  /** Views whose live definition had drifted; each also appears in replaced or recreated. */
  drifted: string[];
  /** Base tables that got or lost the change-notification trigger. */
  triggersAdded: string[];
  triggersRemoved: string[];
  /** Every DDL (and REFRESH) statement executed, in order; empty means the apply touched nothing. */
  ddl: string[];
}

export function emptyReport(): ApplyReport {
  return {
    created: [],
    replaced: [],
    recreated: [],
    refreshed: [],
    dropped: [],
    drifted: [],
    triggersAdded: [],
    triggersRemoved: [],
    ddl: [],
  };
}

/** The non-empty name lists, for one log line. */
export function summary(r: ApplyReport): Record<string, string[]> {
  const { ddl: _ddl, ...rest } = r;
  return Object.fromEntries(Object.entries(rest).filter(([, names]) => names.length > 0));
}
