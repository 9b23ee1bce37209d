/** One sqlmap run per target, and what its output says; used by security-scan.ts. */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Target } from './security-scan-targets.js';

export interface ScanResult {
  target: string;
  requests: number;
  seconds: number;
  /** sqlmap's lines saying it confirmed an injection point. */
  findings: string[];
  /** "might be"/"appears to be" injectable lines sqlmap did not confirm: reported, not failed on. */
  unconfirmed: string[];
  /** Why the target was not tested: no verdict from sqlmap (its CRITICAL line), a non-2xx baseline. */
  error: string | undefined;
}

/** Printed only after sqlmap's false-positive checks passed. */
const FINDING = /is vulnerable\. Do you want|sqlmap identified the following injection point/i;
const UNCONFIRMED = /might be injectable|appears to be '.*' injectable/i;
const TESTED = /does not seem to be injectable|do not appear to be injectable/i;

export interface ScanOptions {
  token: string;
  short: boolean;
  workDir: string;
  logDir: string | undefined;
}

/** One sqlmap run on one parameter; its traffic log gives the request count. */
export async function scanTarget(
  target: Target,
  { token, short, workDir, logDir }: ScanOptions,
): Promise<ScanResult> {
  const started = Date.now();
  const dir = await mkdtemp(path.join(workDir, 'sqlmap-'));
  const traffic = path.join(dir, 'traffic.txt');
  const args = [
    '-u',
    target.url,
    '--batch',
    '--dbms=PostgreSQL',
    '--skip-waf',
    '--flush-session',
    '--disable-coloring',
    '--output-dir',
    dir,
    '-t',
    traffic,
    ...(short ? ['--technique=EB', '--level=2', '--risk=1'] : ['--level=5', '--risk=3']),
    ...(target.method === 'GET' ? [] : ['--method', target.method]),
    ...(target.body === undefined
      ? []
      : ['--data', JSON.stringify(target.body), '-H', 'Content-Type: application/json']),
    ...(target.admin ? ['-H', `Authorization: Bearer ${token}`] : []),
    // A path parameter is the URL's `*` marker, which sqlmap calls '#1*'; -p keeps it from testing the
    // body and, at level 5, the headers as well.
    '-p',
    target.in === 'path' ? '#1*' : target.param,
  ];
  const child = spawn('sqlmap', args, {
    env: { ...process.env, TERM: 'dumb' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr.on('data', (chunk) => {
    output += chunk;
  });
  const [code] = (await once(child, 'exit')) as [number | null];
  const lines = output.split('\n').map((l) => l.trim());
  const log = await readFile(traffic, 'utf8').catch(() => '');
  await rm(dir, { recursive: true, force: true });
  if (logDir) await writeFile(path.join(logDir, `${target.name.replace(/[^\w.-]+/g, '_')}.txt`), output);
  const findings = lines.filter((l) => FINDING.test(l));
  // sqlmap says so when it finished a parameter; a CRITICAL line alone may be one it recovered from.
  const tested = findings.length > 0 || lines.some((l) => TESTED.test(l));
  const critical = lines.find((l) => l.includes('[CRITICAL]'));
  return {
    target: target.name,
    requests: (log.match(/^HTTP request \[#\d+\]:$/gm) ?? []).length,
    seconds: Math.round((Date.now() - started) / 100) / 10,
    findings,
    unconfirmed: lines.filter((l) => UNCONFIRMED.test(l)),
    error: tested
      ? undefined
      : (critical ?? `sqlmap (exit ${code}) gave no verdict: ${lines.slice(-5).join(' | ')}`),
  };
}

/** The unmodified request must answer 2xx, or sqlmap would compare payloads against an error page (or stop). */
export async function baseline(target: Target, token: string): Promise<string | undefined> {
  const res = await fetch(target.url.replace('*', ''), {
    method: target.method,
    headers: {
      ...(target.admin ? { authorization: `Bearer ${token}` } : {}),
      ...(target.body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: target.body === undefined ? undefined : JSON.stringify(target.body),
  });
  if (res.ok) return undefined;
  return `the unmodified request answered ${res.status}: ${(await res.text()).slice(0, 300)}`;
}
