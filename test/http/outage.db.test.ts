import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as pause } from 'node:timers/promises';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, startServer } from '../../src/app/serve.js';
import { issueApiToken } from '../../src/auth/issue-api-token.js';
import { loadConfig } from '../../src/config.js';
import { type EmbeddedServer, startEmbeddedPostgres } from '../../src/db/embedded.js';
import { createLogger } from '../../src/logger.js';
import { silentProgress } from '../../src/progress.js';
import { insertGenes, refreshMaterializedViews } from '../helpers/views.js';
import { startProxy, type TcpProxy, throughProxy } from './tcp-proxy.js';

/**
 * README "Decisions", outages: while PostgreSQL is down every database-backed route answers 503 with Retry-After
 * and the error envelope (never 500), the service is back as soon as PostgreSQL is, and nothing queued while
 * down is lost. A real fault: this file's own embedded PostgreSQL is stopped under load (20 concurrent callers
 * on gene and admin-log routes) and started again, behind the real composition root.
 *
 * The embedded server takes a new port on every start, so the server under test reaches it through a TCP proxy
 * on a fixed port that forwards to wherever PostgreSQL listens now, and resets connections while it is down.
 */

const logger = createLogger('silent');
const CONCURRENCY = 20;
const DEADLINE_MS = 60_000;

type Phase = 'up' | 'stopping' | 'down' | 'after';

interface Outcome {
  n: number;
  phase: Phase;
  url: string;
  status: number;
  startedAt: number;
  endedAt: number;
  retryAfter: string | undefined;
  code: string | undefined;
  cacheHit: boolean;
}

let dataDir: string;
let postgres: EmbeddedServer;
let proxy: TcpProxy;
let server: RunningServer;
let admin: Record<string, string>;

const portOf = (url: string) => Number(new URL(url).port);

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'kgdb-outage-'));
  // The server runs as the unprivileged 'postgres' user when we are root; it must reach into the temp dir.
  await chmod(dataDir, 0o755);
  postgres = await startEmbeddedPostgres({ dataDir, logger, settings: { fsync: 'off' } });
  proxy = await startProxy(portOf(postgres.url));
  const env = {
    DATABASE_URL: throughProxy(postgres.url, proxy),
    KGDB_SEED_DEMO: 'false',
    KGDB_GUARD_INTERVAL_S: '3600',
  };
  server = await startServer({ ...loadConfig(env), port: 0, poolSize: 4 }, logger, silentProgress);
  await insertGenes(server.db.pool, [
    { symbol: 'PKD1', hgncId: 'HGNC:9008', evidence: { ClinGen: { classifications: ['Definitive'] } } },
    { symbol: 'PKD2', hgncId: 'HGNC:9009', evidence: { PanelApp: { panels: ['Cystic kidney disease'] } } },
  ]);
  await refreshMaterializedViews(server.db.pool);
  const { token } = await issueApiToken(server.db.pool, { role: 'admin', name: 'outage test' });
  admin = { authorization: `Bearer ${token}` };
}, 180_000);

afterAll(async () => {
  await server?.close();
  await proxy?.close();
  await postgres?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

const ROUTES: ((n: number) => { url: string; admin: boolean })[] = [
  (n) => ({ url: `/api/genes/?page[size]=${1 + (n % 10)}`, admin: false }),
  () => ({ url: '/api/genes/PKD1', admin: false }),
  () => ({ url: '/api/genes/PKD2/evidence', admin: false }),
  () => ({ url: '/api/admin/logs/?limit=5', admin: true }),
  () => ({ url: '/api/admin/logs/statistics', admin: true }),
];

/** c concurrent callers in a loop until stopped; `onOutcome` sees every answer as it arrives. */
function startLoad(phase: () => Phase, onOutcome: (o: Outcome) => void) {
  let running = true;
  let next = 0;
  const worker = async () => {
    while (running) {
      const n = next++;
      const route = ROUTES[n % ROUTES.length]?.(n) ?? { url: '/api/genes/', admin: false };
      const startedAt = performance.now();
      const started = phase();
      const res = await server.app.inject({
        url: route.url,
        headers: { 'user-agent': `kgdb-outage-test/${n}`, ...(route.admin ? admin : {}) },
      });
      const body = res.statusCode >= 400 ? res.json() : undefined;
      onOutcome({
        n,
        phase: started,
        url: route.url,
        status: res.statusCode,
        startedAt,
        endedAt: performance.now(),
        retryAfter: res.headers['retry-after']?.toString(),
        code: body?.error?.code,
        cacheHit: String(res.headers['server-timing'] ?? '').includes('cache;desc="hit"'),
      });
      // Pacing, not waiting for a state: 20 callers at most ~100 requests/s each keep the request log's
      // queue (10,000 rows) from overflowing during a few seconds of outage.
      await pause(10);
    }
  };
  const workers = Array.from({ length: CONCURRENCY }, worker);
  return {
    stop: async () => {
      running = false;
      await Promise.all(workers);
    },
  };
}

/** Resolves when `predicate` holds for an outcome seen from now on; rejects after DEADLINE_MS. */
function waiter() {
  const waiting: { predicate: (o: Outcome) => boolean; resolve: (o: Outcome) => void }[] = [];
  return {
    see(o: Outcome) {
      for (const w of [...waiting]) {
        if (w.predicate(o)) {
          waiting.splice(waiting.indexOf(w), 1);
          w.resolve(o);
        }
      }
    },
    until(what: string, predicate: (o: Outcome) => boolean): Promise<Outcome> {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${what} within ${DEADLINE_MS} ms`)), DEADLINE_MS);
        waiting.push({
          predicate,
          resolve: (o) => {
            clearTimeout(timer);
            resolve(o);
          },
        });
      });
    },
  };
}

/** Polls `condition` (a state, not a clock) until it holds; rejects after DEADLINE_MS. */
async function until(what: string, condition: () => boolean): Promise<void> {
  const deadline = performance.now() + DEADLINE_MS;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`no ${what} within ${DEADLINE_MS} ms`);
    await pause(20);
  }
}

const countIf = (outcomes: Outcome[], predicate: (o: Outcome) => boolean) => {
  let n = 0;
  for (const o of outcomes) if (predicate(o)) n += 1;
  return n;
};

interface Run {
  outcomes: Outcome[];
  /** performance.now() when the restart began, and when PostgreSQL was reachable again. */
  restartAt: number;
  readyAt: number;
  healthWhileDown: Awaited<ReturnType<FastifyInstance['inject']>>;
}

/**
 * Under load all along: 100 answers, a flag change, PostgreSQL stopped, 200 answers and a request-log flush
 * while down, PostgreSQL started again, then the first 200 and 100 answers more.
 */
async function driveOutage(): Promise<Run> {
  const outcomes: Outcome[] = [];
  const events = waiter();
  let phase: Phase = 'up';
  const load = startLoad(
    () => phase,
    (o) => {
      outcomes.push(o);
      events.see(o);
    },
  );
  try {
    let ok = 0;
    await events.until('100 answers before the outage', (o) => o.status === 200 && ++ok >= 100);
    // A flag change right before the outage: written by the database itself with its audit event.
    const change = await server.app.inject({
      method: 'PATCH',
      url: '/api/admin/feature-flags/enable_shadow_testing',
      headers: admin,
      payload: { percentage: 50, reason: 'outage test' },
    });
    expect(change.statusCode, change.body).toBe(200);

    phase = 'stopping';
    await postgres.stop();
    proxy.target(null);
    phase = 'down';
    let down = 0;
    await events.until('200 answers while down', (o) => o.phase === 'down' && ++down >= 200);
    // The request log tried to write during the outage and kept its rows (its timer flushes every second).
    await until('request log flush during the outage', () => server.app.requestLog.stats().requeued > 0);
    const healthWhileDown = await server.app.inject({ url: '/health' });

    const restartAt = performance.now();
    postgres = await startEmbeddedPostgres({ dataDir, logger, settings: { fsync: 'off' } });
    proxy.target(portOf(postgres.url));
    const readyAt = performance.now();
    phase = 'after';
    const first = await events.until(
      'a 200 after the restart',
      (o) => o.phase === 'after' && o.status === 200,
    );
    let after = 0;
    await events.until('100 answers after recovery', (o) => o.endedAt > first.endedAt && ++after >= 100);
    return { outcomes, restartAt, readyAt, healthWhileDown };
  } finally {
    await load.stop();
  }
}

/** The benchmark numbers of this fault (README, Decisions): reported, never asserted against a clock. */
function report({ outcomes, restartAt, readyAt }: Run, answeredWhileDown: Outcome[]): void {
  const firstOk = outcomes.find((o) => o.phase === 'after' && o.status === 200);
  const byPhase = Object.fromEntries(
    (['up', 'stopping', 'down', 'after'] as const).map((p) => [
      p,
      Object.fromEntries(
        [200, 503, 500].map((status) => [
          status,
          countIf(outcomes, (o) => o.phase === p && o.status === status),
        ]),
      ),
    ]),
  );
  const recovery = {
    fromRestartMs: Math.round((firstOk?.endedAt ?? Number.NaN) - restartAt),
    fromReadyMs: Math.round((firstOk?.endedAt ?? Number.NaN) - readyAt),
    answers: outcomes.length,
    byPhase,
    cacheHitsWhileDown: countIf(answeredWhileDown, (o) => o.status === 200),
  };
  console.info(`outage recovery: ${JSON.stringify(recovery)}`);
}

/** Every request's row is in system_logs after the outage, or counted as dropped. */
async function expectNothingLost(outcomes: Outcome[], answeredWhileDown: Outcome[]): Promise<void> {
  await server.app.requestLog.flush();
  const { rows } = await server.db.pool.query<{ user_agent: string; status_code: number }>(
    `select user_agent, status_code from system_logs where user_agent like 'kgdb-outage-test/%'`,
  );
  const logged = new Map(rows.map((r) => [r.user_agent, r.status_code]));
  const missing = outcomes.filter((o) => !logged.has(`kgdb-outage-test/${o.n}`));
  const stats = server.app.requestLog.stats();
  expect(stats.failed).toBe(0);
  expect(missing.length).toBeLessThanOrEqual(stats.dropped);
  // The rows of requests answered while down were queued during the outage and written after it.
  const downLogged = answeredWhileDown.filter((o) => logged.get(`kgdb-outage-test/${o.n}`) === 503);
  expect(downLogged.length).toBeGreaterThan(0);
  if (stats.dropped === 0)
    expect(downLogged).toHaveLength(countIf(answeredWhileDown, (o) => o.status === 503));
}

describe('a PostgreSQL outage under load', () => {
  it('answers 503 with Retry-After while down, never 500, recovers after the restart and loses nothing', async () => {
    const run = await driveOutage();
    const { outcomes, readyAt, healthWhileDown } = run;

    // No 500 at any time; every answer is a 200 or an outage's 503 in the envelope with Retry-After.
    expect(outcomes.filter((o) => o.status !== 200 && o.status !== 503)).toEqual([]);
    expect(
      outcomes.filter((o) => o.status === 503 && (o.code !== 'DATABASE_UNAVAILABLE' || o.retryAfter !== '5')),
    ).toEqual([]);
    // Answered while down (asked after the stop, answered before PostgreSQL was back): only 503 — or a cache hit
    // answered before the cache noticed its listener was gone. Asked while down and answered after: either.
    const answeredWhileDown = outcomes.filter((o) => o.phase === 'down' && o.endedAt < readyAt);
    expect(answeredWhileDown.filter((o) => o.status !== 503 && !o.cacheHit)).toEqual([]);
    expect(countIf(answeredWhileDown, (o) => o.status === 503)).toBeGreaterThanOrEqual(200);
    // Recovered: answered 200 after the restart (driveOutage waited for it).
    expect(countIf(outcomes, (o) => o.phase === 'after' && o.status === 200)).toBeGreaterThan(0);

    // /health while down: 503, no address, no driver message.
    expect(healthWhileDown.statusCode).toBe(503);
    expect(healthWhileDown.headers['retry-after']).toBe('5');
    expect(healthWhileDown.json()).toMatchObject({ status: 'unhealthy', database: 'unavailable' });
    expect(healthWhileDown.body).not.toMatch(/127\.0\.0\.1|ECONN|connect|terminated/i);

    report(run, answeredWhileDown);
    await expectNothingLost(outcomes, answeredWhileDown);

    // The flag change made right before the outage is still there, with its audit event.
    const events = await server.app.inject({
      url: '/api/admin/feature-flags/enable_shadow_testing/events?limit=1',
      headers: admin,
    });
    expect(events.statusCode, events.body).toBe(200);
    expect(events.json().data[0]).toMatchObject({ reason: 'outage test' });
    const { rows } = await server.db.pool.query<{ percentage: number }>(
      `select percentage::float8 as percentage from feature_flags where key = 'enable_shadow_testing'`,
    );
    expect(rows).toEqual([{ percentage: 50 }]);
  });
});
