/** The arm label of the view-backed path (the rollout switch's default label for use_database_views on). */
export const VIEWS_ARM = 'views';
