import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { BenchReport } from '../../bench/workers-bench.js';

/** The scratch database `--short` seeds on the test server (200 genes, 600 evidence rows, seed 42). */
const SCRATCH = 'kgdb_bench_200_600_42';
const ROOT = path.resolve(import.meta.dirname, '../..');
const run = promisify(execFile);
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'kgdb-workers-bench-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  const admin = new pg.Client({ connectionString: inject('adminUrl') });
  await admin.connect();
  await admin.query(`drop database if exists ${SCRATCH} with (force)`);
  await admin.end();
});

describe('npx tsx bench/workers-bench.ts --short', () => {
  it('measures every case on 1 and 2 workers, and the servers’ counters prove which runs hit and which missed', async () => {
    const json = path.join(dir, 'report.json');
    const { stdout } = await run(
      process.execPath,
      [path.join(ROOT, 'node_modules/tsx/dist/cli.mjs'), 'bench/workers-bench.ts', '--short', '--json', json],
      {
        cwd: ROOT,
        env: { ...process.env, DATABASE_URL: inject('adminUrl'), KGDB_TSX: '1' },
        maxBuffer: 10_000_000,
      },
    );
    const report = JSON.parse(await readFile(json, 'utf8')) as BenchReport;
    expect(report.dataset).toEqual({ genes: 200, evidence: 600, database: SCRATCH });
    expect(report.runs.map((r) => `${r.workers} ${r.case}`)).toEqual([
      '1 list-hit',
      '1 list-miss',
      '1 detail-hit',
      '1 detail-miss',
      '2 list-hit',
      '2 list-miss',
      '2 detail-hit',
      '2 detail-miss',
    ]);
    // --short's 4 connections: at most that many requests finish on the servers after the client stopped counting.
    const CONNECTIONS = 4;
    for (const r of report.runs) {
      expect(r.responses).toBeGreaterThan(0);
      // Every request read the cache once, on one worker: counted once, whichever worker answered the scrape.
      expect(r.server.hits + r.server.misses).toBeLessThanOrEqual(r.responses + CONNECTIONS);
      expect({ non2xx: r.non2xx, errors: r.errors }).toEqual({ non2xx: 0, errors: 0 });
      if (r.case.endsWith('-hit')) {
        // Each worker loads the one URL once; everything else its cache answers.
        expect(r.server.misses).toBeLessThanOrEqual(r.workers);
        expect(r.server.hits).toBeGreaterThanOrEqual(r.responses - r.workers);
      } else {
        // Every request a URL no worker has seen: each one ran its query.
        expect(r.server.hits).toBe(0);
        expect(r.server.misses).toBeGreaterThanOrEqual(r.responses);
      }
    }
    // Each of the 180 measured genes once (a tenth is kept for the warm-up), on every worker count.
    expect(report.runs.filter((r) => r.case === 'detail-miss').map((r) => r.responses)).toEqual([180, 180]);
    expect(stdout).toContain('| case | server cache hits | 1 worker | 2 workers |');
    expect(stdout).toMatch(
      /^\| list-miss \| 0\.0 % \| [\d,]+ req\/s \(1\.00×\) \| [\d,]+ req\/s \([\d.]+×\) \|$/m,
    );
  }, 240_000);
});
