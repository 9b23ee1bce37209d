import pg from 'pg';
import { seedDemo } from '../data/demo/seed-demo.js';
import { migrate } from '../db/migrate.js';
import { createPool, type Pool } from '../db/pool.js';
import { toError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Progress } from '../progress.js';
import { applyViews } from '../views/apply.js';
import { VIEWS } from '../views/defs/index.js';

export interface BenchDataset {
  genes: number;
  evidence: number;
  seed: number;
}

/** A fixed reference time, so the same dataset options always give the same rows. */
const BENCH_NOW = new Date('2025-01-01T00:00:00Z');

const benchDatabaseName = ({ genes, evidence, seed }: BenchDataset): string =>
  `kgdb_bench_${genes}_${evidence}_${seed}`;

function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

async function adminQuery<T extends pg.QueryResultRow>(url: string, sql: string, values: unknown[] = []) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, values)).rows;
  } finally {
    await client.end();
  }
}

/** Why an existing scratch database cannot be reused, or undefined when it holds the dataset. */
async function staleReason(pool: Pool, dataset: BenchDataset): Promise<string | undefined> {
  try {
    const { rows } = await pool.query<{ genes: number; evidence: number }>(
      `select (select count(*) from genes)::int as genes, (select count(*) from gene_evidence)::int as evidence`,
    );
    const found = rows[0];
    if (found?.genes === dataset.genes && found.evidence === dataset.evidence) return undefined;
    return `it holds ${found?.genes} genes and ${found?.evidence} evidence rows`;
  } catch (raw) {
    return `it cannot be read: ${toError(raw).message}`;
  }
}

/**
 * A scratch database on the same server as `serverUrl`, named after the dataset and kept between runs (a
 * 50,000-gene seed takes a while): created, migrated, seeded with the demo generator (no logs) and given the
 * declared views when missing or incomplete (or always with `fresh`). A kept one is migrated to this
 * checkout's schema. Then the views are brought up to date (no DDL when unchanged) and the tables vacuumed and analyzed, so both arms run on current
 * statistics and index-only scans see a set visibility map. Returns a pool on it; the caller ends it.
 */
export async function prepareBenchDatabase(
  serverUrl: string,
  dataset: BenchDataset,
  options: { fresh: boolean; logger: Logger; progress: Progress },
): Promise<{ name: string; url: string; pool: Pool }> {
  const name = benchDatabaseName(dataset);
  const url = withDatabase(serverUrl, name);
  const ident = pg.escapeIdentifier(name);
  const exists =
    (
      await adminQuery<{ n: number }>(
        serverUrl,
        'select count(*)::int as n from pg_database where datname = $1',
        [name],
      )
    )[0]?.n === 1;
  let pool = exists ? createPool({ connectionString: url, max: 4 }) : undefined;
  const stale = pool && (options.fresh ? '--fresh' : await staleReason(pool, dataset));
  if (pool && stale) {
    options.logger.warn({ database: name }, `rebuilding the benchmark database: ${stale}`);
    await pool.end();
    pool = undefined;
    await adminQuery(serverUrl, `drop database ${ident} with (force)`);
  }
  if (!pool) {
    options.logger.warn({ database: name }, 'creating and seeding the benchmark database');
    await adminQuery(serverUrl, `create database ${ident}`);
    pool = createPool({ connectionString: url, max: 4 });
    await migrate(pool, options.logger);
    await seedDemo(pool, { ...dataset, logs: 0, now: BENCH_NOW }, options.progress);
  } else {
    // A database kept from an older checkout gets this one's migrations, as `kgdb serve` would apply them.
    await migrate(pool, options.logger);
  }
  await applyViews(pool, VIEWS, { logger: options.logger, progress: options.progress });
  await pool.query('vacuum (analyze)');
  return { name, url, pool };
}
