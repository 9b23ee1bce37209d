/**
 * Gene identifier resolution at scale: GET /api/genes/resolve per kind of identifier and the bulk POST.
 *
 *   npx tsx bench/resolve-bench.ts [--genes 50000] [--evidence 250000] [--samples 500] [--bulk-runs 10]
 *
 * Uses the configured server (DATABASE_URL, else the embedded one in KGDB_DATA_DIR) and the scratch database
 * `kgdb bench` keeps for the dataset (demo generator, seed 42, views applied, vacuumed and analyzed). Per kind,
 * --samples queries for distinct genes, p50 and p99 of: `exec`, PostgreSQL's execution time of the repository's
 * one statement (EXPLAIN ANALYZE); `SQL`, the same call timed around it (round trip and row parsing included);
 * `HTTP`, the in-process HTTP time (app.inject through the composed app). Then the bulk call with 5,000 queries of every kind, --bulk-runs times. One query at a
 * time, after a warm-up of every query once. Results to stdout; progress to stderr.
 */
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { compose } from '../src/app/compose.js';
import { prepareBenchDatabase } from '../src/bench/bench-database.js';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db/database.js';
import type { Pool, Queryable } from '../src/db/pool.js';
import { MAX_BULK_QUERIES, queryKeys } from '../src/genes/resolve/resolve-query.js';
import { createResolveRepository } from '../src/genes/resolve/resolve-repository.js';
import { createLogger } from '../src/logger.js';
import { silentProgress } from '../src/progress.js';

const KINDS = [
  'approved_symbol',
  'hgnc_id',
  'hgnc_number',
  'ensembl_gene_id',
  'ncbi_gene_id',
  'previous_symbol',
  'alias',
  'unresolved',
] as const;
type Kind = (typeof KINDS)[number];

function flag(args: string[], name: string, fallback: number): number {
  const at = args.indexOf(`--${name}`);
  if (at === -1) return fallback;
  const value = Number(args[at + 1]);
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`--${name} must be a whole number ≥ 1`);
  return value;
}

/** Nearest-rank percentile of a sample, in ms with two decimals. */
function percentile(sample: number[], p: number): number {
  const sorted = [...sample].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return Math.round((sorted[rank] ?? Number.NaN) * 100) / 100;
}

async function timed(run: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await run();
  return performance.now() - started;
}

/** `samples` queries of each kind, for genes spread over the whole table (a fixed stride, so runs compare). */
async function sampleQueries(pool: Pool, samples: number): Promise<Record<Kind, string[]>> {
  const { rows } = await pool.query<{
    approved_symbol: string;
    hgnc_id: string;
    ensembl_gene_id: string;
    ncbi_gene_id: string;
    previous: string | null;
    alias: string | null;
  }>(
    `select approved_symbol, hgnc_id, ensembl_gene_id, ncbi_gene_id, previous_symbols[1] as previous,
            aliases[1] as alias
       from genes order by id`,
  );
  const stride = <T>(items: T[]) =>
    items.filter((_, i) => i % Math.max(1, Math.floor(items.length / samples)) === 0).slice(0, samples);
  const genes = stride(rows);
  return {
    approved_symbol: genes.map((g) => g.approved_symbol.toLowerCase()),
    hgnc_id: genes.map((g) => g.hgnc_id),
    hgnc_number: genes.map((g) => g.hgnc_id.slice(5)),
    ensembl_gene_id: genes.map((g) => g.ensembl_gene_id),
    ncbi_gene_id: genes.map((g) => g.ncbi_gene_id),
    previous_symbol: stride(rows.flatMap((g) => (g.previous ? [g.previous] : []))),
    alias: stride(rows.flatMap((g) => (g.alias ? [g.alias] : []))),
    unresolved: genes.map((_, i) => `NOGENE${i}`),
  };
}

async function main() {
  const args = process.argv.slice(2);
  const genes = flag(args, 'genes', 50_000);
  const dataset = { genes, evidence: flag(args, 'evidence', genes * 5), seed: 42 };
  const samples = flag(args, 'samples', 500);
  const bulkRuns = flag(args, 'bulk-runs', 10);
  const config = loadConfig(process.env);
  const logger = createLogger('warn', 2);
  const server = await openDatabase(config, logger);
  try {
    process.stderr.write(`preparing ${genes} genes (seeded once, kept between runs)…\n`);
    const scratch = await prepareBenchDatabase(server.url, dataset, {
      fresh: false,
      logger,
      progress: silentProgress,
    });
    const composed = await compose({
      pool: scratch.pool,
      logger: createLogger('silent'),
      jwtSecret: randomBytes(32).toString('base64url'),
      guard: false,
    });
    try {
      const repository = createResolveRepository(scratch.pool);
      // The same statement under EXPLAIN ANALYZE: PostgreSQL's own execution time, free of the round trip and of
      // this process waiting for a core.
      let executionMs = Number.NaN;
      const explained = createResolveRepository({
        query: async (sql: string, values: unknown[]) => {
          const { rows } = await scratch.pool.query<{ 'QUERY PLAN': [{ 'Execution Time': number }] }>(
            `explain (analyze, format json) ${sql}`,
            values,
          );
          executionMs = rows[0]?.['QUERY PLAN'][0]['Execution Time'] ?? Number.NaN;
          return { rows: [] };
        },
      } as unknown as Queryable);
      const queries = await sampleQueries(scratch.pool, samples);
      const app = composed.app;
      const resolveHttp = async (query: string) => {
        const res = await app.inject({ method: 'GET', url: '/api/genes/resolve', query: { query } });
        if (res.statusCode !== 200 && res.statusCode !== 404) throw new Error(`${query} → ${res.statusCode}`);
      };
      const lines = [
        `GET /api/genes/resolve — ${genes} genes, ${dataset.evidence} evidence rows; ${os.cpus().length} CPUs, load ${os
          .loadavg()
          .map((l) => l.toFixed(2))
          .join(' ')}, Node ${process.version}`,
        `${'kind'.padEnd(16)}${'n'.padStart(5)}${['exec', 'SQL', 'HTTP'].flatMap((t) => [`${t} p50`, `${t} p99`].map((h) => h.padStart(10))).join('')}  (ms)`,
      ];
      for (const kind of KINDS) {
        const list = queries[kind];
        for (const q of list) await resolveHttp(q);
        const exec: number[] = [];
        const sql: number[] = [];
        const http: number[] = [];
        for (const q of list) {
          await explained.findByKeys(queryKeys(q, 'query'));
          exec.push(executionMs);
          sql.push(await timed(() => repository.findByKeys(queryKeys(q, 'query'))));
          http.push(await timed(() => resolveHttp(q)));
        }
        lines.push(
          `${kind.padEnd(16)}${String(list.length).padStart(5)}${[exec, sql, http]
            .flatMap((t) => [percentile(t, 50), percentile(t, 99)])
            .map((v) => v.toFixed(2).padStart(10))
            .join('')}`,
        );
      }
      const all = KINDS.flatMap((kind) => queries[kind]);
      const bulk = Array.from({ length: MAX_BULK_QUERIES }, (_, i) => all[i % all.length] as string);
      const bulkTimes: number[] = [];
      for (let run = 0; run <= bulkRuns; run++) {
        const time = await timed(async () => {
          const res = await app.inject({
            method: 'POST',
            url: '/api/genes/resolve',
            payload: { queries: bulk },
          });
          if (res.statusCode !== 200) throw new Error(`bulk → ${res.statusCode}: ${res.body.slice(0, 200)}`);
        });
        if (run > 0) bulkTimes.push(time); // run 0 warms up
      }
      lines.push(
        `POST /api/genes/resolve, ${MAX_BULK_QUERIES} queries (${KINDS.length} kinds mixed), ${bulkRuns} runs: p50 ${percentile(bulkTimes, 50).toFixed(1)} ms, max ${percentile(bulkTimes, 100).toFixed(1)} ms`,
      );
      process.stdout.write(`${lines.join('\n')}\n`);
    } finally {
      await composed.app.close();
      await scratch.pool.end();
    }
  } finally {
    await server.close();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
