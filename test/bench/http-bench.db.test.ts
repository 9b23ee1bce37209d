import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runner } from 'node-pg-migrate';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { HttpBenchReport, RunResult, Unsupported } from '../../src/bench/http-bench.js';
import { README_END, README_START } from '../../src/bench/http-bench-report.js';
import { registerBench } from '../../src/cli/commands/bench.js';
import { MIGRATIONS_DIR } from '../../src/db/migrate.js';
import { runKgdb } from '../auth/auth-test-kit.js';

/** The scratch database the bench creates for `--genes 200 --evidence 600 --seed 7` on the test server. */
const SCRATCH = 'kgdb_bench_200_600_7';
/** … and for `--genes 40 --seed 7` in process: evidence 5 × 40 when --evidence is absent. */
const SCALED = 'kgdb_bench_40_200_7';
const savedEnv = { ...process.env };
let dir: string;

const kgdb = (...args: string[]) => runKgdb(inject('adminUrl'), [registerBench], ['bench', ...args]);

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'kgdb-http-bench-'));
});
afterAll(async () => {
  process.env = { ...savedEnv };
  await rm(dir, { recursive: true, force: true });
  const admin = new pg.Client({ connectionString: inject('adminUrl') });
  await admin.connect();
  await admin.query(`drop database if exists ${SCRATCH} with (force)`);
  await admin.query(`drop database if exists ${SCALED} with (force)`);
  await admin.end();
});

const measured = (r: RunResult | Unsupported | undefined): RunResult => {
  if (!r || 'supported' in r) throw new Error(`not a measured run: ${JSON.stringify(r)}`);
  return r;
};

describe('kgdb bench --http', () => {
  it('runs every case on both servers and proves from their cache counters which runs hit and which missed', async () => {
    const json = path.join(dir, 'report.json');
    const readme = path.join(dir, 'README.md');
    const around = { head: '# kgdb\n\nintro\n', tail: '\nafter the table\n' };
    await writeFile(readme, `${around.head}${README_START}\nold\n${README_END}${around.tail}`);

    const { stdout, stderr, exitCode } = await kgdb(
      '--http',
      ...['--genes', '200', '--evidence', '600', '--seed', '7'],
      ...['--connections', '1', '--duration', '1', '--warmup-duration', '0'],
      ...['--json', json, '--readme', readme, '--cpu-prof', path.join(dir, 'profiles')],
    );
    expect(stderr).not.toMatch(/^[A-Z_]+: /m);
    expect(exitCode).toBe(0);

    const report = JSON.parse(await readFile(json, 'utf8')) as HttpBenchReport;
    expect(report.dataset).toMatchObject({ genes: 200, evidence: 600, database: SCRATCH });
    expect(report.command).toBe(
      'npx kgdb bench --http --genes 200 --evidence 600 --seed 7 --connections 1 --duration 1 --warmup-duration 0',
    );
    expect(report.cases.map((c) => c.name)).toEqual(['one-url', 'unique-url', '304']);
    for (const c of report.cases) expect(c.runs.map((r) => r.connections)).toEqual([1]);

    const [oneUrl, uniqueUrl, notModified] = report.cases;
    for (const c of [oneUrl, uniqueUrl]) {
      const pair = c?.runs[0];
      for (const run of [measured(pair?.legacy), measured(pair?.views)]) {
        expect(run.responses).toBeGreaterThan(0);
        expect(run.status_codes).toEqual({ 200: run.responses });
        expect({ errors: run.errors, timeouts: run.timeouts, unexpected: run.unexpected_status }).toEqual({
          errors: 0,
          timeouts: 0,
          unexpected: 0,
        });
      }
      expect(pair?.views_over_legacy).toEqual({ req_per_s: expect.any(Number), p50: expect.any(Number) });
    }

    // Legacy caches its list facts only: no answer namespace, every request ran its SQL.
    const legacyHits = measured(oneUrl?.runs[0]?.legacy).cache;
    expect(legacyHits.answer_namespace).toBeNull();
    expect(legacyHits.hit_ratio).toBeNull();
    expect(Object.keys(legacyHits.namespaces)).toEqual(['legacy_gene_facts']);

    // The views: the one URL is answered by the cache, every unique URL misses it.
    const hits = measured(oneUrl?.runs[0]?.views);
    expect(hits.cache.answer_namespace).toBe('gene_list');
    expect(hits.cache.hit_ratio).toBeGreaterThan(0.99);
    const misses = measured(uniqueUrl?.runs[0]?.views);
    expect(misses.cache.hit_ratio).toBe(0);
    expect(misses.cache.namespaces.gene_list?.misses).toBeGreaterThanOrEqual(misses.responses);

    // 304: runs where the gene routes send an ETag, "not supported" where they do not.
    for (const arm of ['legacy', 'views'] as const) {
      const run = notModified?.runs[0]?.[arm];
      if (run && 'supported' in run) expect(run.reason).toBe('GET /api/genes/ sends no ETag');
      else expect(measured(run).status_codes).toEqual({ 304: measured(run).responses });
    }

    // Each server wrote a CPU profile of its run when it exited: V8's format, its main thread (the one that ran
    // the gene routes), one file per arm and nothing else.
    const profiles = path.join(dir, 'profiles');
    expect((await readdir(profiles)).sort()).toEqual(['kgdb-legacy.cpuprofile', 'kgdb-views.cpuprofile']);
    for (const arm of ['legacy', 'views']) {
      const profile = JSON.parse(await readFile(path.join(profiles, `kgdb-${arm}.cpuprofile`), 'utf8')) as {
        nodes: { callFrame: { url: string } }[];
        samples: number[];
      };
      expect(profile.samples.length).toBeGreaterThan(0);
      expect(profile.nodes.some((n) => n.callFrame.url.endsWith('/src/genes/gene-routes.ts'))).toBe(true);
    }

    expect(stdout).toContain('| one-url | 1 | views |');
    expect(await readFile(readme, 'utf8')).toBe(
      `${around.head}${README_START}\n${stdout.trimEnd()}\n${README_END}${around.tail}`,
    );
  }, 180_000);
});

describe('the kept scratch database', () => {
  it('is migrated to the checkout it runs from: a database left before 0011 (partitioned logs) gets it', async () => {
    const url = new URL(inject('adminUrl'));
    url.pathname = `/${SCRATCH}`;
    const client = new pg.Client({ connectionString: url.toString() });
    await client.connect();
    const state = async () =>
      (
        await client.query<{ migrations: number; kind: string }>(
          `select (select count(*)::int from kgdb_migrations) as migrations,
                  (select relkind::text from pg_class where oid = 'system_logs'::regclass) as kind`,
        )
      ).rows[0];
    try {
      const current = await state();
      expect(current?.kind).toBe('p');
      // Back to 0010: every later migration undone, system_logs a plain table again.
      const behind = (current?.migrations ?? 0) - 10;
      await runner({
        dbClient: client,
        dir: MIGRATIONS_DIR,
        direction: 'down',
        count: behind,
        migrationsTable: 'kgdb_migrations',
        log: () => {},
      });
      expect(await state()).toEqual({ migrations: 10, kind: 'r' });

      const { exitCode, stderr } = await kgdb(
        ...['--genes', '200', '--evidence', '600', '--seed', '7', '--iterations', '1'],
      );
      expect(stderr).not.toMatch(/^[A-Z_]+: /m);
      expect(exitCode).toBe(0);
      expect(await state()).toEqual(current);
    } finally {
      await client.end();
    }
  }, 180_000);
});

describe('kgdb bench --genes N without --evidence', () => {
  it('seeds 5 × N evidence rows, as kgdb seed does, and benchmarks them', async () => {
    const json = path.join(dir, 'scaled.json');
    const { stderr, exitCode } = await kgdb(
      ...['--genes', '40', '--seed', '7', '--iterations', '1', '--warmup', '0', '--json', json],
    );
    expect(stderr).not.toMatch(/^[A-Z_]+: /m);
    expect(exitCode).toBe(0);
    const report = JSON.parse(await readFile(json, 'utf8'));
    expect(report.dataset).toMatchObject({ genes: 40, evidence: 200, database: SCALED });
  }, 180_000);
});

describe('kgdb bench option errors', () => {
  const fails = async (args: string[], message: string) => {
    const { stderr, exitCode } = await kgdb(...args);
    expect(exitCode).toBe(1);
    expect(stderr).toContain(message);
  };

  it('--connections: whole numbers from 1 to 1000, none repeated', async () => {
    await fails(
      ['--http', '--connections', '0'],
      "INVALID_PARAMETER: --connections takes a comma list of concurrencies such as 1,10,50,200: '0' is not a whole number from 1 to 1000 in '0'",
    );
    await fails(['--http', '--connections', '1,x'], "'x' is not a whole number from 1 to 1000");
    await fails(['--http', '--connections', '1,1001'], "'1001' is not a whole number from 1 to 1000");
    await fails(['--http', '--connections', '10,10'], 'a value is repeated');
  });

  it('--duration and --warmup-duration: whole seconds in range', async () => {
    await fails(
      ['--http', '--duration', '1.5'],
      "--duration must be a whole number from 1 to 3600, got '1.5'",
    );
    await fails(['--http', '--duration', '0'], "--duration must be a whole number from 1 to 3600, got '0'");
    await fails(
      ['--http', '--warmup-duration', '-1'],
      '--warmup-duration must be a whole number from 0 to 600',
    );
  });

  it('--evidence above 7 × --genes fails before a scratch database is made', async () => {
    await fails(
      ['--genes', '100', '--evidence', '701'],
      'INVALID_PARAMETER: --evidence must be at most 7 × --genes = 700 (one row per gene and source), got 701',
    );
    await fails(['--http', '--genes', '0'], "INVALID_PARAMETER: --genes must be a whole number ≥ 1, got '0'");
  });

  it("each mode refuses the other's options", async () => {
    await fails(
      ['--http', '--iterations', '5'],
      'INVALID_PARAMETER: --iterations applies to the in-process benchmark; --http runs for --duration seconds',
    );
    await fails(['--connections', '10'], 'INVALID_PARAMETER: --connections applies to --http only');
    await fails(['--warmup-duration', '1'], '--warmup-duration applies to --http only');
    await fails(['--cpu-prof', dir], '--cpu-prof applies to --http only');
  });

  it('--cpu-prof: a folder that cannot be made fails before any load', async () => {
    const file = path.join(dir, 'a-file');
    await writeFile(file, '');
    await fails(
      ['--http', '--cpu-prof', path.join(file, 'profiles')],
      `INVALID_PARAMETER: --cpu-prof: cannot write profiles into ${path.join(file, 'profiles')}`,
    );
  });

  it('--readme: a file without its markers fails before any load', async () => {
    const plain = path.join(dir, 'plain.md');
    await writeFile(plain, '# no markers\n');
    await fails(
      ['--http', '--readme', plain],
      `INVALID_INPUT: ${plain} needs exactly one line ${README_START} and one line ${README_END}`,
    );
    await fails(
      ['--http', '--readme', path.join(dir, 'missing.md')],
      'INVALID_PARAMETER: --readme: cannot read',
    );
  });
});
