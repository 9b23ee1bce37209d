import type { ViewDef } from '../view-def.js';

/** The genes valid now (temporal versioning: the open-ended version, valid_to = 'infinity'). */
export const genesCurrent: ViewDef = {
  name: 'genes_current',
  kind: 'view',
  dependsOn: ['genes'],
  sql: `
select g.id::bigint as id,
       g.hgnc_id::text as hgnc_id,
       g.approved_symbol::text as approved_symbol,
       g.aliases::text[] as aliases,
       g.valid_from::timestamptz as valid_from,
       g.valid_to::timestamptz as valid_to,
       g.created_at::timestamptz as created_at,
       g.updated_at::timestamptz as updated_at
  from genes g
 where g.valid_to = 'infinity'::timestamptz`,
};
