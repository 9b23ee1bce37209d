/**
 * The request log at scale: bytes per system_logs row, the database time of a 10,000-row request-log flush, and
 * every admin-log first page (test/logs/admin-log-matrix.ts: filters × whitelisted sorts × orders) through the
 * views arm's log repository.
 *
 *   npx tsx bench/request-log-bench.ts [--rows 1000000] [--load grown|bulk] [--before] [--before-ref <git ref>]
 *                                      [--runs 7] [--flushes 7] [--json file]
 *
 * A PostgreSQL of its own (embedded, in a temp dir, the settings `kgdb serve` gives its embedded server) holds
 * one database per variant: "after" is this tree (every migration, the partitioned table); with --before also
 * "before", migrated up to 0010 and driven by the request log writer and log repository of --before-ref (the
 * commit before migration 0011 came, or HEAD while it is uncommitted), read with `git archive` into a temp dir.
 * Each gets the default demo genes and users, then `--rows` log rows from the demo log generator over the 30
 * days before now, by COPY in time order:
 *   - grown (default): with every index in place, as the request log grows the table (B-tree pages split as
 *     they fill, so this is the size a table reaches in service);
 *   - bulk: with the indexes dropped and rebuilt, as `kgdb seed --demo` loads (the most compact size).
 * Then VACUUM ANALYZE, and: size = pg_total_relation_size summed over the table and its partitions (heap,
 * indexes, TOAST) / rows; flush = `--flushes` flushes of 10,000 rows through the real writer, median; pages =
 * p50 of `--runs` calls for each filter × sort, after one call per pool connection (the views arm prepares its
 * statements per connection, so that is its steady state; the first call, on connections that never ran the
 * shape, is reported too). A Markdown report goes to stdout, JSON to --json; progress to stderr. 5,000,000 rows
 * take a while: about half an hour with --before and grown.
 */
import { execFileSync } from 'node:child_process';
import { chmod, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { runner } from 'node-pg-migrate';
import pg from 'pg';
import { copyInto } from '../src/data/demo/copy-into.js';
import { COPY_SQL } from '../src/data/demo/demo-copy-lines.js';
import { chunked, logLines } from '../src/data/demo/demo-lines.js';
import { demoLog, type LogPlan, logPlan } from '../src/data/demo/demo-logs.js';
import { DEFAULT_DEMO } from '../src/data/demo/demo-options.js';
import { DEMO_EMAIL_DOMAIN } from '../src/data/demo/demo-users.js';
import { ensureLogPartitions } from '../src/data/demo/demo-writer.js';
import { logSpanStart } from '../src/data/demo/log-time.js';
import { seedDemo } from '../src/data/demo/seed-demo.js';
import { withIndexesRebuilt } from '../src/db/bulk-load.js';
import { startEmbeddedPostgres } from '../src/db/embedded.js';
import { MIGRATIONS_DIR, migrate } from '../src/db/migrate.js';
import { createPool, type Pool, withClient } from '../src/db/pool.js';
import { createLogger } from '../src/logger.js';
import { parseLogQuery } from '../src/logs/log-query.js';
import type { LogRepository } from '../src/logs/log-repository.js';
import type {
  RequestLogRow,
  RequestLogWriter,
  RequestLogWriterOptions,
} from '../src/logs/request-log/request-log.js';
import * as currentWriter from '../src/logs/request-log/request-log.js';
import * as currentRepository from '../src/logs/views/view-log-repository.js';
import { silentProgress } from '../src/progress.js';
import { applyViews } from '../src/views/apply.js';
import { VIEWS } from '../src/views/defs/index.js';
import { MATRIX_SORTS, matrixFilters } from '../test/logs/admin-log-matrix.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const MIGRATION = 'src/db/migrations/0011_partitioned-system-logs.sql';
const FLUSH_ROWS = 10_000;
/** Connections of a variant's pool: a page runs at most three statements at once (page, count, estimate). */
const POOL_SIZE = 3;

interface Flags {
  rows: number;
  load: 'grown' | 'bulk';
  before: boolean;
  beforeRef: string | undefined;
  runs: number;
  flushes: number;
  json: string | undefined;
}

function parseFlags(argv: readonly string[]): Flags {
  const flags: Flags = {
    rows: 1_000_000,
    load: 'grown',
    before: false,
    beforeRef: undefined,
    runs: 7,
    flushes: 7,
    json: undefined,
  };
  for (let i = 0; i < argv.length; i++) {
    const name = argv[i];
    if (name === '--before') {
      flags.before = true;
      continue;
    }
    const value = argv[++i];
    if (value === undefined) throw new Error(`${name} needs a value`);
    if (name === '--rows') flags.rows = Number(value);
    else if (name === '--runs') flags.runs = Number(value);
    else if (name === '--flushes') flags.flushes = Number(value);
    else if (name === '--json') flags.json = value;
    else if (name === '--before-ref') {
      flags.before = true;
      flags.beforeRef = value;
    } else if (name === '--load') {
      if (value !== 'grown' && value !== 'bulk') throw new Error('--load is grown or bulk');
      flags.load = value;
    } else {
      throw new Error(
        `unknown flag ${name}; allowed: --rows, --load, --before, --before-ref, --runs, --flushes, --json`,
      );
    }
  }
  for (const [name, n] of [
    ['--rows', flags.rows],
    ['--runs', flags.runs],
    ['--flushes', flags.flushes],
  ] as const) {
    if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${name} must be a whole number ≥ 1`);
  }
  return flags;
}

const say = (message: string) => process.stderr.write(`${message}\n`);
const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)] ?? Number.NaN;
};
const ms = (started: number) => performance.now() - started;

/** The writer and the log repository one variant runs. */
interface Code {
  createRequestLogWriter(options: RequestLogWriterOptions): RequestLogWriter;
  createViewLogRepository(db: Pool): LogRepository;
}

/**
 * The code of `ref`: its src tree from `git archive` in a temp dir, next to a link to this tree's node_modules,
 * imported from there (tsx compiles it as it loads).
 */
async function codeAt(ref: string, dir: string): Promise<Code> {
  const tar = execFileSync('git', ['archive', '--format=tar', ref, 'src'], { cwd: REPO, maxBuffer: 1 << 30 });
  execFileSync('tar', ['-x', '-C', dir], { input: tar });
  await symlink(path.join(REPO, 'node_modules'), path.join(dir, 'node_modules'));
  const load = (file: string) => import(pathToFileURL(path.join(dir, file)).href);
  const writer = await load('src/logs/request-log/request-log.ts');
  const repository = await load('src/logs/views/view-log-repository.ts');
  return {
    createRequestLogWriter: writer.createRequestLogWriter,
    createViewLogRepository: repository.createViewLogRepository,
  };
}

/** The commit before migration 0011 was added, or HEAD while it is not committed. */
function defaultBeforeRef(): string {
  const added = execFileSync('git', ['log', '-1', '--format=%H', '--diff-filter=A', '--', MIGRATION], {
    cwd: REPO,
    encoding: 'utf8',
  }).trim();
  return added ? `${added}^` : 'HEAD';
}

async function adminQuery(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

async function migrateBefore(pool: Pool): Promise<void> {
  await withClient(pool, (client) =>
    runner({
      dbClient: client,
      dir: MIGRATIONS_DIR,
      direction: 'up',
      count: 10,
      migrationsTable: 'kgdb_migrations',
      noLock: true,
      checkOrder: true,
      log: () => {},
    }),
  );
}

/** COPYs the demo log rows in time order, with the indexes in place (grown) or rebuilt after (bulk). */
async function loadLogs(pool: Pool, plan: LogPlan, flags: Flags, partitioned: boolean): Promise<number> {
  const started = performance.now();
  await withClient(pool, async (client) => {
    if (partitioned) await ensureLogPartitions(client, logSpanStart(plan.nowMs), plan.nowMs);
    await client.query("set maintenance_work_mem = '256MB'");
    let next = 0;
    const copy = () =>
      copyInto(
        client,
        COPY_SQL.logs,
        chunked(logLines(plan), 2000, (n) => {
          next += n;
          if (next % 500_000 === 0) say(`  ${next.toLocaleString('en')} rows`);
        }),
      );
    if (flags.load === 'bulk') await withIndexesRebuilt(client, silentProgress, 'system_logs', copy);
    else await copy();
  });
  await pool.query('vacuum (analyze) system_logs');
  return ms(started);
}

async function tableBytes(pool: Pool): Promise<{ bytes: number; rows: number; heap: number }> {
  const { rows } = await pool.query<{ bytes: number; heap: number; rows: number }>(
    // The partitions and the (empty) partitioned table; a plain table has no partition tree, only itself.
    `select sum(pg_total_relation_size(t.relid))::float8 as bytes, sum(pg_relation_size(t.relid))::float8 as heap,
            (select count(*) from system_logs)::float8 as rows
       from (select p.relid from pg_partition_tree('system_logs'::regclass) p
             union select 'system_logs'::regclass) t`,
  );
  const row = rows[0];
  return { bytes: row?.bytes ?? 0, heap: row?.heap ?? 0, rows: row?.rows ?? 0 };
}

/** 10,000 demo request rows stamped now, as the writer would have queued them. */
function flushRows(plan: LogPlan, batch: number): RequestLogRow[] {
  const rows: RequestLogRow[] = [];
  for (let i = batch * FLUSH_ROWS * 2; rows.length < FLUSH_ROWS; i++) {
    const log = demoLog(plan, i % plan.total);
    if (log.path === null || log.method === null || log.status_code === null || log.duration_ms === null)
      continue;
    rows.push({
      timestamp: new Date(),
      level: log.level,
      logger: log.logger,
      message: log.message,
      context: log.context,
      request_id: `${log.request_id}-${batch}`,
      ip_address: log.ip_address,
      user_agent: log.user_agent,
      path: log.path,
      method: log.method,
      user_id: log.user_id,
      status_code: log.status_code,
      duration_ms: log.duration_ms,
    });
  }
  return rows;
}

/** Median wall time of a flush of 10,000 rows through the real writer (one INSERT, one round trip). */
async function timeFlushes(pool: Pool, code: Code, plan: LogPlan, flushes: number): Promise<number[]> {
  const writer = code.createRequestLogWriter({ db: pool, flushIntervalMs: 3_600_000, capacity: FLUSH_ROWS });
  const times: number[] = [];
  try {
    for (let batch = 0; batch < flushes; batch++) {
      for (const row of flushRows(plan, batch)) writer.enqueue(row);
      const started = performance.now();
      await writer.flush();
      times.push(ms(started));
    }
    const stats = writer.stats();
    if (stats.written !== flushes * FLUSH_ROWS) throw new Error(`the writer wrote ${stats.written} rows`);
  } finally {
    await writer.close();
  }
  return times;
}

interface PageResult {
  filter: string;
  sort: string;
  /** The first call of this page: every statement of it new to the connections it ran on. */
  first_ms: number;
  p50_ms: number;
  max_ms: number;
  rows: number;
}

async function timePages(pool: Pool, code: Code, now: Date, runs: number): Promise<PageResult[]> {
  const { rows } = await pool.query<{ id: string }>(
    `select request_id as id from system_logs
      where path is not null and request_id is not null and timestamp < $1::timestamptz - interval '10 days'
      limit 1`,
    [now],
  );
  const repository = code.createViewLogRepository(pool);
  const results: PageResult[] = [];
  for (const filter of matrixFilters(now, rows[0]?.id ?? 'none')) {
    for (const sort of MATRIX_SORTS) {
      const q = parseLogQuery({ ...filter.params, ...sort });
      const first = performance.now();
      const page = await repository.query(q);
      const firstMs = ms(first);
      for (let call = 1; call < POOL_SIZE; call++) await repository.query(q);
      const times: number[] = [];
      for (let run = 0; run < runs; run++) {
        const started = performance.now();
        await repository.query(q);
        times.push(ms(started));
      }
      results.push({
        filter: filter.name,
        sort: `${sort.sort_by} ${sort.sort_order}`,
        first_ms: firstMs,
        p50_ms: median(times),
        max_ms: Math.max(...times),
        rows: page.logs.length,
      });
    }
    say(`  ${filter.name}: done`);
  }
  return results;
}

interface VariantResult {
  variant: 'before' | 'after';
  code: string;
  load_ms: number;
  rows: number;
  table_bytes: number;
  heap_bytes: number;
  bytes_per_row: number;
  flush_ms: number[];
  flush_median_ms: number;
  pages: PageResult[];
}

async function runVariant(
  serverUrl: string,
  variant: 'before' | 'after',
  code: Code,
  codeName: string,
  flags: Flags,
  now: Date,
): Promise<VariantResult> {
  const name = `request_log_bench_${variant}`;
  await adminQuery(serverUrl, `drop database if exists ${name} with (force)`);
  await adminQuery(serverUrl, `create database ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const pool = createPool({ connectionString: url.toString(), max: POOL_SIZE });
  try {
    say(`${variant}: migrating and seeding the demo genes`);
    if (variant === 'after') await migrate(pool, createLogger('warn', 2));
    else await migrateBefore(pool);
    await applyViews(pool, VIEWS);
    const seed = { ...DEFAULT_DEMO, logs: 0, now };
    await seedDemo(pool, seed);
    const { rows: users } = await pool.query<{ id: number; role: string }>(
      'select id, role from users where email like $1 order by id',
      [`%@${DEMO_EMAIL_DOMAIN}`],
    );
    const plan = logPlan(seed.seed, flags.rows, now.getTime(), seed.genes, {
      admin: users.find((u) => u.role === 'admin')?.id,
      others: users.filter((u) => u.role !== 'admin').map((u) => u.id),
    });
    say(`${variant}: loading ${flags.rows.toLocaleString('en')} log rows (${flags.load})`);
    const loadMs = await loadLogs(pool, plan, flags, variant === 'after');
    const size = await tableBytes(pool);
    say(`${variant}: ${(size.bytes / size.rows).toFixed(0)} bytes/row; timing flushes`);
    const flushes = await timeFlushes(pool, code, plan, flags.flushes);
    await pool.query('analyze system_logs');
    say(`${variant}: timing first pages`);
    const pages = await timePages(pool, code, now, flags.runs);
    return {
      variant,
      code: codeName,
      load_ms: Math.round(loadMs),
      rows: size.rows,
      table_bytes: size.bytes,
      heap_bytes: size.heap,
      bytes_per_row: size.bytes / size.rows,
      flush_ms: flushes.map((t) => Math.round(t * 10) / 10),
      flush_median_ms: median(flushes),
      pages,
    };
  } finally {
    await pool.end();
    await adminQuery(serverUrl, `drop database if exists ${name} with (force)`);
  }
}

function report(results: VariantResult[], flags: Flags): string {
  const lines: string[] = [];
  const fmt = (n: number) => (n < 10 ? n.toFixed(1) : n.toFixed(0));
  lines.push(`## request log at ${flags.rows.toLocaleString('en')} rows (${flags.load})`, '');
  lines.push('| variant | bytes/row | heap bytes/row | table | flush of 10,000 rows (median) | load |');
  lines.push('|---|---:|---:|---:|---:|---:|');
  for (const r of results) {
    lines.push(
      `| ${r.variant} | ${r.bytes_per_row.toFixed(0)} | ${(r.heap_bytes / r.rows).toFixed(0)} | ${(r.table_bytes / 1e9).toFixed(2)} GB | ${r.flush_median_ms.toFixed(0)} ms | ${(r.load_ms / 1000).toFixed(0)} s |`,
    );
  }
  const sorts = MATRIX_SORTS.map((s) => `${s.sort_by} ${s.sort_order}`);
  const filters = [...new Set(results[0]?.pages.map((p) => p.filter))];
  const cell = (filter: string, sort: string) =>
    results
      .map((r) => r.pages.find((p) => p.filter === filter && p.sort === sort))
      .map((p) => (p ? fmt(p.p50_ms) : '–'))
      .join(' → ');
  lines.push(
    '',
    `First page (limit 100), p50 of ${flags.runs} in ms${results.length > 1 ? ', before → after' : ''}:`,
    '',
  );
  lines.push(`| filter | ${sorts.join(' | ')} |`, `|---|${sorts.map(() => '---:').join('|')}|`);
  for (const filter of filters)
    lines.push(`| ${filter} | ${sorts.map((s) => cell(filter, s)).join(' | ')} |`);
  lines.push('');
  for (const r of results) {
    const p50s = r.pages.map((p) => p.p50_ms);
    const firsts = r.pages.map((p) => p.first_ms);
    lines.push(
      `${r.variant}: p50 median ${fmt(median(p50s))} ms, slowest ${fmt(Math.max(...p50s))} ms, ` +
        `${p50s.filter((t) => t > 20).length} of ${p50s.length} over 20 ms; first call median ` +
        `${fmt(median(firsts))} ms, slowest ${fmt(Math.max(...firsts))} ms`,
    );
  }
  return `${lines.join('\n')}\n`;
}

async function main() {
  const flags = parseFlags(process.argv.slice(2));
  const logger = createLogger('warn', 2);
  const now = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000);
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'kgdb-request-log-bench-'));
  const codeDir = await mkdtemp(path.join(os.tmpdir(), 'kgdb-request-log-before-'));
  // The server runs as the unprivileged 'postgres' user when we are root; it must reach into the temp dir.
  await chmod(dataDir, 0o755);
  const server = await startEmbeddedPostgres({ dataDir, logger, database: 'postgres' });
  try {
    const results: VariantResult[] = [];
    if (flags.before) {
      const ref = flags.beforeRef ?? defaultBeforeRef();
      say(`before: the code of ${ref}`);
      results.push(await runVariant(server.url, 'before', await codeAt(ref, codeDir), ref, flags, now));
    }
    const current = { ...currentWriter, ...currentRepository };
    results.push(await runVariant(server.url, 'after', current, 'working tree', flags, now));
    process.stdout.write(report(results, flags));
    if (flags.json) {
      const environment = {
        node: process.version,
        platform: `${os.platform()} ${os.arch()}`,
        cpus: os.cpus().length,
      };
      const body = { started_at: now.toISOString(), flags, environment, results };
      await writeFile(flags.json, `${JSON.stringify(body, null, 2)}\n`);
    }
  } finally {
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
    await rm(codeDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
