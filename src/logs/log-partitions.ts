import { DatabaseError } from 'pg';
import { xactLock } from '../db/advisory.js';
import { type Pool, withTransaction } from '../db/pool.js';

/*
 * system_logs is partitioned by week (migration 0011, docs/data-model.md). PostgreSQL holds everything about
 * the partitions: kgdb_system_logs_ensure_partitions creates weeks (idempotent, under an advisory lock every
 * instance takes), kgdb_system_logs_partitions lists them with their bounds. This module is the TypeScript
 * side: keeping weeks ahead of the request log, and dropping whole weeks for the cleanup.
 */

const DAY_MS = 86_400_000;

/**
 * The request log keeps the next week's partition in place: once the newest partition ends less than a week
 * ahead of its clock (the first flush of a week), it creates the weeks up to a week ahead. A week's partition
 * is thus created a week before its first row, and a failed attempt has that week to succeed.
 */
export const PARTITIONS_AHEAD_MS = 7 * DAY_MS;
/** Lock waits of a partition change started by the request log or the cleanup (a long read must not stall them). */
const PARTITION_LOCK_TIMEOUT_MS = 2_000;

/** The advisory lock kgdb_system_logs_ensure_partitions takes (migration 0011): creating and dropping weeks take turns. */
const PARTITION_LOCK = 'kgdb:system_logs:partitions';

/** Partition names come from the catalog; only the generated weekly names are ever spliced into DDL. */
const WEEKLY_PARTITION = /^system_logs_p\d{8}$/;

/** The newest partition bound, as the request log's INSERT reports it (see request-log.ts). */
export const PARTITION_HORIZON_SQL = 'select max(p.to_ts) as horizon from kgdb_system_logs_partitions() p';

/** Creates the weeks from `from` to `to` that are missing; fails after a short lock wait rather than queueing. */
export const ENSURE_PARTITIONS_SQL = `select kgdb_system_logs_ensure_partitions($1::timestamptz, $2::timestamptz, $3::integer) as created`;

export const ensurePartitionsValues = (now: Date): unknown[] => [
  now.toISOString(),
  new Date(now.getTime() + PARTITIONS_AHEAD_MS).toISOString(),
  PARTITION_LOCK_TIMEOUT_MS,
];

const isLockTimeout = (err: unknown): boolean => err instanceof DatabaseError && err.code === '55P03';

/**
 * Drops every weekly partition that ends at or before `until` and returns the rows they held. One transaction
 * under the partition lock: the rows are counted first, then the partitions dropped together, so the
 * ACCESS EXCLUSIVE lock a DROP takes on system_logs is held only for the drops themselves. When that lock is
 * not granted within a short wait (a long read of system_logs), nothing is dropped and 0 is returned: the
 * caller deletes those rows in batches instead, and a later cleanup drops the emptied partitions.
 */
export async function dropPartitionsBefore(pool: Pool, until: string): Promise<number> {
  try {
    return await withTransaction(pool, async (client) => {
      await client.query('select set_config($1, $2, true)', [
        'lock_timeout',
        `${PARTITION_LOCK_TIMEOUT_MS}ms`,
      ]);
      await xactLock(client, PARTITION_LOCK);
      const { rows } = await client.query<{ name: string }>(
        'select p.name from kgdb_system_logs_partitions() p where p.to_ts <= $1::timestamptz order by p.from_ts',
        [until],
      );
      const names = rows.map((r) => r.name).filter((name) => WEEKLY_PARTITION.test(name));
      if (names.length === 0) return 0;
      const counts = names.map((name) => `(select count(*) from ${name})`).join(' + ');
      const counted = await client.query<{ n: number }>(`select (${counts})::bigint as n`);
      await client.query(`drop table ${names.join(', ')}`);
      return counted.rows[0]?.n ?? 0;
    });
  } catch (err) {
    if (isLockTimeout(err)) return 0;
    throw err;
  }
}
