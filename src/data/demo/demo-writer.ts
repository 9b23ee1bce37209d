import type { PoolClient } from '../../db/pool.js';
import { KgdbError } from '../../errors.js';
import type { Progress } from '../../progress.js';
import { copyInto } from './copy-into.js';
import { chunked } from './demo-lines.js';
import type { LogUsers } from './demo-logs.js';
import { DEMO_EMAIL_DOMAIN, DEMO_USERS, NO_LOGIN_PASSWORD } from './demo-users.js';
import { type ExistingGene, seedConflict } from './seed-conflict.js';

/** Rows per COPY chunk: ~0.5–1 MB of text, few enough writes to keep per-chunk overhead negligible. */
const CHUNK_ROWS = 2000;

/**
 * Serialises seeds: a second `kgdb seed` (or a second server starting on an empty database) waits here
 * and then finds the genes of the first.
 */
export async function lockForSeeding(client: PoolClient): Promise<void> {
  await client.query('select pg_advisory_xact_lock(hashtext($1))', ['kgdb:seed:demo']);
  // Writers of genes wait until we commit; readers carry on. The demo writes ids 1..N itself.
  await client.query('lock table genes in exclusive mode');
}

/** A database with genes is a CONFLICT that says whether they are an earlier demo or imported data. */
export async function assertNoGenes(client: PoolClient): Promise<void> {
  const { rows } = await client.query<ExistingGene>('select hgnc_id, approved_symbol from genes order by id');
  if (rows.length > 0) throw seedConflict(rows);
}

/**
 * Empties the data tables for --replace: genes (evidence, curations and annotations go with them by
 * cascade), system_logs, and the demo accounts. Real user accounts stay.
 */
export async function clearDemoData(client: PoolClient): Promise<void> {
  await client.query('truncate table genes, system_logs restart identity cascade');
  await client.query('delete from users where email like $1', [`%@${DEMO_EMAIL_DOMAIN}`]);
}

/**
 * Inserts the demo accounts unless they exist (a username taken by a real account skips that demo
 * account rather than failing), and returns the ids logs can be attributed to.
 */
export async function writeDemoUsers(
  client: PoolClient,
  nowMs: number,
): Promise<LogUsers & { count: number }> {
  const at = new Date(nowMs - 60 * 86_400_000);
  await client.query(
    `insert into users (email, username, full_name, hashed_password, role, is_active, created_at, updated_at)
     select t.email, t.username, t.full_name, $5::text, t.role, true, $6::timestamptz, $6::timestamptz
       from unnest($1::text[], $2::text[], $3::text[], $4::text[]) as t(email, username, full_name, role)
     on conflict do nothing`,
    [
      DEMO_USERS.map((u) => u.email),
      DEMO_USERS.map((u) => u.username),
      DEMO_USERS.map((u) => u.full_name),
      DEMO_USERS.map((u) => u.role),
      NO_LOGIN_PASSWORD,
      at,
    ],
  );
  const { rows } = await client.query<{ id: number; role: string }>(
    'select id, role from users where email = any($1::text[]) order by id',
    [DEMO_USERS.map((u) => u.email)],
  );
  return {
    admin: rows.find((r) => r.role === 'admin')?.id,
    others: rows.filter((r) => r.role !== 'admin').map((r) => r.id),
    count: rows.length,
  };
}

/** One progress phase: COPY the lines, check the server stored as many rows as expected (when known). */
export async function copyPhase(
  client: PoolClient,
  progress: Progress,
  phase: { label: string; total: number; sql: string; lines: Iterable<string>; expect?: number },
): Promise<number> {
  progress.start(phase.label, phase.total);
  try {
    const rows = await copyInto(
      client,
      phase.sql,
      chunked(phase.lines, CHUNK_ROWS, (n) => progress.advance(n)),
    );
    if (phase.expect !== undefined && rows !== phase.expect) {
      throw new KgdbError('INTERNAL', {
        detail: `${phase.label}: expected ${phase.expect} rows, PostgreSQL stored ${rows}`,
      });
    }
    return rows;
  } finally {
    progress.done();
  }
}

/**
 * Creates the weekly partitions of system_logs from `fromMs` to `toMs` before a load writes there (migration
 * 0011); rows of a week without one would all land in the default partition.
 */
export async function ensureLogPartitions(client: PoolClient, fromMs: number, toMs: number): Promise<void> {
  await client.query('select kgdb_system_logs_ensure_partitions($1::timestamptz, $2::timestamptz)', [
    new Date(fromMs).toISOString(),
    new Date(toMs).toISOString(),
  ]);
}

/** The demo chose ids itself; move each identity past them so later inserts do not collide. */
export async function syncIdentities(client: PoolClient): Promise<void> {
  for (const table of ['genes', 'gene_evidence', 'gene_curations', 'gene_annotations'] as const) {
    await client.query(
      `select setval(pg_get_serial_sequence('${table}', 'id'), coalesce(max(id), 0) + 1, false) from ${table}`,
    );
  }
}
