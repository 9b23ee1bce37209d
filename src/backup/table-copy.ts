import type { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import type { PoolClient } from '../db/pool.js';
import type { TableInfo } from './catalog.js';
import { CopyDigest, type CopyStats } from './copy-digest.js';

const ident = (name: string) => pg.escapeIdentifier(name);

/**
 * Makes COPY text independent of the session: timestamps in UTC and ISO, intervals and floats in one notation.
 * The same rows then give the same bytes and the same checksum whoever copies them, and every value reads back
 * exactly. Transaction-scoped.
 */
export async function useCanonicalCopyText(client: PoolClient): Promise<void> {
  await client.query(
    `select set_config('timezone', 'UTC', true), set_config('datestyle', 'ISO, YMD', true),
            set_config('intervalstyle', 'postgres', true), set_config('extra_float_digits', '1', true),
            set_config('bytea_output', 'hex', true)`,
  );
}

/**
 * COPY of the table's rows in key order (a table without a primary key by its whole row's text), so equal
 * tables give equal text. The query form also reads a partitioned table, which plain `COPY table` does not.
 */
export function copyOutSql(table: Pick<TableInfo, 'name' | 'columns' | 'key'>): string {
  const order = table.key.length > 0 ? table.key.map(ident).join(', ') : 'r::text';
  return `copy (select ${table.columns.map((c) => `r.${ident(c)}`).join(', ')} from ${ident(table.name)} as r order by ${order}) to stdout`;
}

/** Streams the table's COPY text into `sink` and measures it; `onRows` reports progress. */
export async function copyTableOut(
  client: PoolClient,
  table: TableInfo,
  sink: Writable,
  onRows?: (rows: number) => void,
): Promise<CopyStats> {
  const digest = new CopyDigest(onRows);
  await pipeline(client.query(copyTo(copyOutSql(table))), digest, sink);
  return digest.stats();
}
