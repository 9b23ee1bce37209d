/**
 * SQL injection scan: sqlmap against every query, path and JSON-body parameter of the API, public and admin.
 *
 *   npm run test:security                  # full: level 5, risk 3, all techniques, every parameter
 *   npm run test:security -- --short       # CI: error-based and boolean (EB), level 2, risk 1, five parameters
 *   options: --jobs N (parallel sqlmap processes; full 4, short 2)  --only TEXT (targets whose name contains
 *            it; repeatable)  --log-dir DIR (keep each target's sqlmap output)
 *            --json FILE (per-target results)  --self-test (first prove a planted injection is reported)
 *            --list (print the targets and their unmodified answers; no sqlmap)
 *
 * Starts `kgdb serve` on the embedded PostgreSQL with a scratch data dir from mkdtemp (demo seed), creates an
 * admin API token with `kgdb tokens create --role admin`, reads the parameters from /openapi.json, checks each
 * target's unmodified request answers 2xx (sqlmap stops at a 404 baseline without testing anything), and runs
 * one `sqlmap --batch --dbms=PostgreSQL` per parameter. All traffic goes to 127.0.0.1. Requests are counted
 * from sqlmap's traffic log (-t). A finding is an injection point sqlmap confirmed ("is vulnerable"); its
 * preliminary "appears to be injectable" claims, which it then checks and may drop as false positives, are
 * listed apart. Exit 0: nothing injectable; 1: a finding; 2: a target could not be tested.
 * Needs Debian's sqlmap (apt-get install sqlmap). Not scanned: POST /api/auth/login, whose limit of 10
 * attempts a minute per address would answer sqlmap with 429s (its SQL is one statement with bound values).
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { LOCATION_FILE } from '../src/db/cluster-location.js';
import { startEmbeddedPostgres } from '../src/db/embedded.js';
import { createLogger } from '../src/logger.js';
import { baseline, type ScanResult, scanTarget } from './security-scan-sqlmap.js';
import { buildTargets, SHORT_TARGETS, type Target } from './security-scan-targets.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const KGDB = path.join(ROOT, 'bin/kgdb.js');
const run = promisify(execFile);

interface Flags {
  short: boolean;
  jobs: number;
  only: string[];
  logDir: string | undefined;
  json: string | undefined;
  selfTest: boolean;
  list: boolean;
}

function parseFlags(argv: readonly string[]): Flags {
  const flags: Flags = {
    short: false,
    jobs: 0,
    only: [],
    logDir: undefined,
    json: undefined,
    selfTest: false,
    list: false,
  };
  for (let i = 0; i < argv.length; i += 1) {
    const name = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${name} needs a value`);
      return v;
    };
    if (name === '--short') flags.short = true;
    else if (name === '--self-test') flags.selfTest = true;
    else if (name === '--list') flags.list = true;
    else if (name === '--jobs') flags.jobs = Number(value());
    else if (name === '--only') flags.only.push(value());
    else if (name === '--log-dir') flags.logDir = value();
    else if (name === '--json') flags.json = value();
    else
      throw new Error(
        `unknown flag ${name}; allowed: --short, --jobs N, --only TEXT, --log-dir DIR, --json FILE, --self-test, --list`,
      );
  }
  if (!Number.isInteger(flags.jobs) || flags.jobs < 0 || flags.jobs > 16) throw new Error('--jobs: 1..16');
  flags.jobs ||= flags.short ? 2 : 4;
  return flags;
}

const progress = (line: string) => process.stderr.write(`${line}\n`);

/** `kgdb serve` on a scratch data dir and a free port; resolves once /health answers 200. */
async function startKgdb(dataDir: string): Promise<{ base: string; child: ChildProcess }> {
  const port = await freePort();
  const { DATABASE_URL: _db, REDIS_URL: _redis, KGDB_METRICS_TOKEN: _m, ...env } = process.env;
  const child = spawn(process.execPath, [KGDB, 'serve'], {
    env: { ...env, KGDB_DATA_DIR: dataDir, HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk) => {
    stderr = `${stderr}${chunk}`.slice(-4000);
  });
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 300_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`kgdb serve exited with ${child.exitCode}:\n${stderr}`);
    const status = await fetch(`${base}/health`).then(
      (res) => res.status,
      () => 0,
    );
    if (status === 200) return { base, child };
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  child.kill('SIGINT');
  throw new Error(`kgdb serve did not answer /health within 300 s:\n${stderr}`);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = http.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

async function adminToken(dataDir: string): Promise<string> {
  const { stdout } = await run(
    process.execPath,
    [KGDB, 'tokens', 'create', '--role', 'admin', '--name', 'security-scan'],
    { env: { ...process.env, DATABASE_URL: '', KGDB_DATA_DIR: dataDir, LOG_LEVEL: 'warn' } },
  );
  const token = stdout.trimEnd().split('\n').at(-1) ?? '';
  if (!token.startsWith('kgdb_')) throw new Error(`kgdb tokens create printed no token:\n${stdout}`);
  return token;
}

async function scanAll(
  targets: Target[],
  token: string,
  flags: Flags,
  workDir: string,
): Promise<ScanResult[]> {
  const results: ScanResult[] = [];
  let next = 0;
  const worker = async () => {
    while (next < targets.length) {
      const target = targets[next++] as Target;
      const broken = await baseline(target, token);
      const result = broken
        ? { target: target.name, requests: 0, seconds: 0, findings: [], unconfirmed: [], error: broken }
        : await scanTarget(target, { token, short: flags.short, workDir, logDir: flags.logDir });
      results.push(result);
      const verdict = result.error
        ? `NOT TESTED: ${result.error}`
        : result.findings.length > 0
          ? `INJECTABLE: ${result.findings.join(' | ')}`
          : 'not injectable';
      progress(
        `[${results.length}/${targets.length}] ${target.name}: ${result.requests} requests, ${result.seconds} s, ${verdict}`,
      );
    }
  };
  // In the order given: buildTargets puts the GETs first, before the targets that change state.
  await Promise.all(Array.from({ length: flags.jobs }, worker));
  return results;
}

/**
 * A planted injection (`… where id = ${id}` concatenated) on the scratch database, scanned like a real target:
 * proves that sqlmap, its options and the output parsing above report an injectable parameter.
 */
async function selfTest(dataDir: string, token: string, workDir: string): Promise<void> {
  const db = await startEmbeddedPostgres({ dataDir, logger: createLogger('silent') });
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({ connectionString: db.url, max: 2 });
  const server = http.createServer((req, res) => {
    const id = new URL(req.url ?? '/', 'http://x').searchParams.get('id') ?? '1';
    pool.query(`select id, approved_symbol from genes where id = ${id}`).then(
      (r) => res.end(JSON.stringify(r.rows)),
      () => res.writeHead(500).end('error'),
    );
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  try {
    const planted: Target = {
      name: 'self-test: planted injection',
      method: 'GET',
      url: `http://127.0.0.1:${port}/vulnerable?id=1`,
      in: 'query',
      param: 'id',
      admin: false,
    };
    const result = await scanTarget(planted, { token, short: true, workDir, logDir: undefined });
    if (result.findings.length === 0) {
      throw new Error(`self-test: the planted injection was not reported (${result.requests} requests)`);
    }
    progress(`self-test: planted injection reported after ${result.requests} requests (${result.seconds} s)`);
  } finally {
    server.close();
    await pool.end();
    await db.stop();
  }
}

function summarize(results: ScanResult[], flags: Flags, seconds: number): number {
  const requests = results.reduce((sum, r) => sum + r.requests, 0);
  const injectable = results.filter((r) => r.findings.length > 0);
  const untested = results.filter((r) => r.error !== undefined);
  const unconfirmed = results.filter((r) => r.unconfirmed.length > 0);
  const lines = [
    `security scan (${flags.short ? 'short: --technique=EB --level=2 --risk=1' : 'full: --level=5 --risk=3'}): ${results.length} parameters, ${requests} requests, ${Math.round(seconds)} s`,
    `injectable: ${injectable.length}${injectable.map((r) => `\n  ${r.target}: ${r.findings.join(' | ')}`).join('')}`,
    `not tested: ${untested.length}${untested.map((r) => `\n  ${r.target}: ${r.error}`).join('')}`,
    `unconfirmed (sqlmap's own checks dropped them): ${unconfirmed.length}${unconfirmed.map((r) => `\n  ${r.target}: ${r.unconfirmed.join(' | ')}`).join('')}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  return injectable.length > 0 ? 1 : untested.length > 0 ? 2 : 0;
}

/** Targets from the running server, then sqlmap on each; returns the exit code. */
async function scan(base: string, dataDir: string, flags: Flags, workDir: string, started: number) {
  const token = await adminToken(dataDir);
  if (flags.selfTest) await selfTest(dataDir, token, workDir);
  const all = await buildTargets(base, token);
  const chosen = all.filter(
    (t) =>
      (!flags.short || SHORT_TARGETS.includes(t.name)) &&
      (flags.only.length === 0 || flags.only.some((text) => t.name.includes(text))),
  );
  if (flags.short && chosen.length !== SHORT_TARGETS.length) {
    throw new Error(`short scan: expected ${SHORT_TARGETS.join(', ')}; found ${chosen.map((t) => t.name)}`);
  }
  if (flags.list) {
    for (const t of chosen) process.stdout.write(`${t.name}\t${(await baseline(t, token)) ?? 'ok'}\n`);
    return 0;
  }
  progress(`${base}: ${chosen.length} of ${all.length} parameters, ${flags.jobs} at a time`);
  const results = await scanAll(chosen, token, flags, workDir);
  if (flags.json) await writeFile(flags.json, `${JSON.stringify(results, null, 2)}\n`);
  return summarize(results, flags, (Date.now() - started) / 1000);
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2));
  await run('sqlmap', ['--version']).catch(() => {
    throw new Error('sqlmap not found: apt-get install -y sqlmap');
  });
  if (flags.logDir) await mkdir(flags.logDir, { recursive: true });
  const started = Date.now();
  const workDir = await mkdtemp(path.join(os.tmpdir(), 'kgdb-security-scan-'));
  const dataDir = path.join(workDir, 'data');
  let child: ChildProcess | undefined;
  try {
    progress(`starting kgdb serve on ${dataDir} (embedded PostgreSQL, demo data)…`);
    const server = await startKgdb(dataDir);
    child = server.child;
    process.exitCode = await scan(server.base, dataDir, flags, workDir, started);
  } finally {
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGINT');
      await once(child, 'exit');
    }
    const record = await readFile(path.join(dataDir, LOCATION_FILE), 'utf8').catch(() => undefined);
    // As root the scratch cluster lives under /var/lib/kgdb (mkdtemp folders are private): remove it too.
    if (record) await rm(path.dirname(JSON.parse(record).clusterDir), { recursive: true, force: true });
    await rm(workDir, { recursive: true, force: true });
  }
}

main().catch((raw) => {
  process.stderr.write(`security scan failed: ${raw instanceof Error ? raw.message : String(raw)}\n`);
  process.exitCode = 2;
});
