/**
 * The one migration this codebase runs: the gene and admin-log endpoints move from upstream's hand-written SQL
 * (the legacy arm, the control) to the declared views (the candidate). The rollout machinery in src/rollout is
 * generic; these names are what the gene and log features hand it (docs/rollout.md).
 */
export const VIEWS_ROLLOUT = {
  /** On for a caller → the views arm serves that caller; the guard rolls it back and promotes it. */
  flag: 'use_database_views',
  /** Its percentage is the share of calls, on either arm, that also run a comparison. */
  shadowFlag: 'enable_shadow_testing',
  arms: { on: 'views', off: 'legacy' },
} as const;
