import type { Progress } from '../progress.js';
import type { PoolClient } from './pool.js';

/**
 * Runs a bulk load with the table's secondary indexes dropped and rebuilt afterwards, as PostgreSQL's
 * "Populating a Database" advises: system_logs carries several partial indexes for the admin endpoint, and
 * maintaining them row by row made a 5 M-row COPY several times slower than one sorted build each. Only
 * non-unique indexes that back no constraint are touched (unique ones keep checking the load and may back
 * foreign keys); each comes back from its own pg_get_indexdef, so whatever a migration defined is rebuilt
 * exactly. On a partitioned table these are the parent's indexes: dropping one drops it on every partition,
 * and its definition reads `ON ONLY`, which the rebuild leaves out so that it is built on every partition
 * again. Called inside the loading transaction (the demo seed, a restore): no other session sees a missing index.
 */
export async function withIndexesRebuilt<T>(
  client: PoolClient,
  progress: Progress,
  /** A table name from a whitelist (a ::regclass parameter: quoting is the server's). */
  table: string,
  load: () => Promise<T>,
): Promise<T> {
  const { rows } = await client.query<{ name: string; def: string }>(
    `select i.indexrelid::regclass::text as name, pg_get_indexdef(i.indexrelid) as def
       from pg_index i
      where i.indrelid = $1::regclass and not i.indisunique
        and not exists (select 1 from pg_constraint c where c.conindid = i.indexrelid)
      order by i.indexrelid`,
    [table],
  );
  // regclass text is already quoted and schema-qualified where needed.
  for (const { name } of rows) await client.query(`drop index ${name}`);
  const result = await load();
  progress.start(`${table} indexes`, rows.length);
  try {
    for (const { def } of rows) {
      await client.query(def.replace(/ ON ONLY /, ' ON '));
      progress.advance(1);
    }
  } finally {
    progress.done();
  }
  return result;
}
