import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Composition, compose } from '../../src/app/compose.js';
import { issueApiToken } from '../../src/auth/issue-api-token.js';
import { seedDemo } from '../../src/data/demo/seed-demo.js';
import { type Database, openDatabase } from '../../src/db/database.js';
import { migrate } from '../../src/db/migrate.js';
import type { GeneEvidence } from '../../src/genes/gene-repository.js';
import { createLogger } from '../../src/logger.js';
import { applyViews } from '../../src/views/apply.js';
import { VIEWS } from '../../src/views/defs/index.js';
import { invalidationsBy, waitFor, writeAndAwaitInvalidation } from '../cache/cache-fixture.js';
import {
  makeClusterRoot,
  standbyPrograms,
  startPrimary,
  startStandby,
  type TestPrimary,
  type TestStandby,
  withClient,
} from '../helpers/standby.js';
import { insertGene, refreshMaterializedViews } from '../helpers/views.js';

/**
 * The read replica against a real streaming standby (test/helpers/standby.ts) whose commits become visible
 * APPLY_DELAY_MS after the primary's: the views arm (gene list, detail and evidence, statistics, admin logs)
 * reads the standby, the cache never refills from it with data older than a change it was told about, a
 * standby that stops replaying holds an invalidation no longer than the replay wait's cap, and a stopped
 * standby sends reads to the primary until it is back.
 */

const APPLY_DELAY_MS = 1_500;
const programs = await standbyPrograms();
const unavailable = typeof programs === 'string' ? programs : undefined;
if (unavailable) console.warn(`read replica tests skipped: cannot build a standby here (${unavailable})`);

let root: string;
let primary: TestPrimary;
let standby: TestStandby;
let db: Database;
let composition: Composition;
let app: FastifyInstance;
type LogLine = { level: number; msg: string; cause?: string };
/** Every line the composition logged, parsed. */
const logLines: LogLine[] = [];
/** Evidence rows of the seeded genes with evidence, one symbol per test that must miss the cache. */
let symbols: string[];
/** Authorization header of an admin API token, for the admin-log routes. */
let admin: { authorization: string };

const collect = (lines: LogLine[]) =>
  pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) });

const recovering = async (query: (sql: string) => Promise<pg.QueryResult>) =>
  (await query('select pg_is_in_recovery() as standby')).rows[0]?.standby as boolean;

/** The marker a test wrote into the first evidence row of `symbol`, as the evidence route shows it. */
const markerIn = (body: { data: { attributes: { evidence_data: { marker?: string } } }[] }) =>
  body.data[0]?.attributes.evidence_data.marker;

async function writeMarker(symbol: string, marker: string): Promise<void> {
  await db.pool.query(
    `update gene_evidence set evidence_data = evidence_data || jsonb_build_object('marker', $1::text)
      where id = (select ge.id from gene_evidence ge join genes g on g.id = ge.gene_id
                   where g.approved_symbol = $2 order by ge.source_name collate "C", ge.id limit 1)`,
    [marker, symbol],
  );
}

async function getJson(url: string, on: FastifyInstance = app) {
  const res = await on.inject({ method: 'GET', url, headers: admin });
  expect(res.statusCode, `${url}: ${res.body}`).toBe(200);
  return res.json();
}

const metric = async (name: string, labels = '', of: Composition = composition) => {
  const text = await of.metrics.registry.metrics();
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `) || l === `${name}${labels}`);
  return line === undefined ? undefined : Number(line.split(' ').at(-1));
};

const fallbacks = async () =>
  ((await metric('kgdb_read_replica_fallbacks_total', '{reason="unavailable"}')) ?? 0) +
  ((await metric('kgdb_read_replica_fallbacks_total', '{reason="down"}')) ?? 0);

const logged = (pattern: RegExp, lines: LogLine[] = logLines) => lines.filter((l) => pattern.test(l.msg));

/** What the summary's total_evidence_records counts (src/statistics/statistics-repository.ts), on one server. */
const evidenceRecords = async (query: (sql: string) => Promise<pg.QueryResult>) =>
  (
    await query(
      `select count(*)::int as n from gene_evidence ge join gene_scores s on s.gene_id = ge.gene_id
        where s.percentage_score > 0`,
    )
  ).rows[0]?.n as number;

describe.skipIf(unavailable !== undefined)('reads from a streaming replica (DATABASE_READ_URL)', () => {
  beforeAll(async () => {
    if (typeof programs === 'string') return;
    root = await makeClusterRoot();
    primary = await startPrimary(root);
    const silent = createLogger('silent');
    // Schema, views and a small demo on the primary before the base backup: the standby starts with them.
    const setup = new pg.Pool({ connectionString: primary.url, max: 2 });
    try {
      await migrate(setup, silent);
      await applyViews(setup, VIEWS);
      await seedDemo(setup, { genes: 150, evidence: 450, logs: 300, seed: 11 });
      await refreshMaterializedViews(setup);
      const { rows } = await setup.query<{ symbol: string }>(
        `select g.approved_symbol as symbol from genes g
          where exists (select 1 from gene_evidence ge where ge.gene_id = g.id)
          order by g.id limit 9`,
      );
      symbols = rows.map((r) => r.symbol);
      const { token } = await issueApiToken(setup, { role: 'admin', name: 'read replica test' });
      admin = { authorization: `Bearer ${token}` };
    } finally {
      await setup.end();
    }
    standby = await startStandby(programs, primary, root, { applyDelayMs: APPLY_DELAY_MS });
    db = await openDatabase(
      { databaseUrl: primary.url, databaseReadUrl: standby.url, dataDir: root, poolSize: 4 },
      silent,
    );
    composition = await compose({
      pool: db.pool,
      readPool: db.readPool,
      logger: collect(logLines),
      jwtSecret: randomBytes(32).toString('base64url'),
      guard: false,
      swaps: {
        // Rechecks every 100–500 ms, so a restarted standby is back soon after it accepts connections; the
        // replay cap far above the apply delay, so every wait here ends by the standby catching up.
        readReplica: { recheck: { initialMs: 100, maxMs: 500 }, maxReplayWaitMs: 60_000 },
      },
    });
    app = composition.app;
  }, 240_000);

  afterAll(async () => {
    await app?.close();
    await db?.close();
    await standby?.close();
    await primary?.stop();
    if (root) await rm(root, { recursive: true, force: true });
  }, 120_000);

  it('the read pool is the standby, and the health route says reads go to it', async () => {
    expect(await recovering((sql) => (db.readPool as pg.Pool).query(sql))).toBe(true);
    expect(await recovering((sql) => composition.readRouter?.query(sql) as Promise<pg.QueryResult>)).toBe(
      true,
    );
    expect(await recovering((sql) => db.pool.query(sql))).toBe(false);
    // Nothing but the read pool connects to the standby: LISTEN, flags and writes stay on the primary.
    const clients = (url: string) =>
      withClient(url, async (session) => {
        const { rows } = await session.query<{ name: string }>(
          `select distinct application_name as name from pg_stat_activity
            where backend_type = 'client backend' and pid <> pg_backend_pid() order by 1`,
        );
        return rows.map((r) => r.name);
      });
    expect((await clients(standby.url)).filter((name) => name !== 'kgdb-read')).toEqual([]);
    expect(await clients(primary.url)).toEqual(
      expect.arrayContaining(['kgdb', 'kgdb-cache-listener', 'kgdb-flags']),
    );
    const health = await getJson('/health');
    expect(health.read).toEqual({ replica: 'up' });
    expect(await metric('kgdb_read_replica_up')).toBe(1);
  });

  it('an uncached views read after a primary write shows the standby’s older data; comparisons read the primary', async () => {
    const symbol = symbols[0] as string;
    const marker = `paused-${randomBytes(3).toString('hex')}`;
    await withClient(standby.url, async (replica) => {
      // Replay stopped: whatever is read from the standby now is from before the write below.
      await replica.query('select pg_wal_replay_pause()');
      try {
        await writeMarker(symbol, marker);
        // The first read of this gene: a cache miss, served by the views arm from the standby.
        const served = await getJson(`/api/genes/${symbol}/evidence`);
        expect(markerIn(served)).toBeUndefined();
        // The gene_evidence experiment's control (legacy) and candidate (views, uncached) both read the primary.
        const experiment = composition.rollout.experiments.getOrThrow('gene_evidence');
        const control = (await experiment.control(symbol)) as GeneEvidence;
        const candidate = (await experiment.candidate(symbol, new AbortController().signal)) as GeneEvidence;
        expect(control.evidence[0]?.evidence_data).toMatchObject({ marker });
        expect(candidate.evidence[0]?.evidence_data).toMatchObject({ marker });
      } finally {
        await replica.query('select pg_wal_replay_resume()');
      }
    });
    // Once replayed (the invalidation waited for it), the cached old answer is gone.
    await waitFor('the write to reach the evidence route', async () => {
      const body = await getJson(`/api/genes/${symbol}/evidence`);
      return markerIn(body) === marker;
    });
  });

  it('gene list and detail, statistics and admin logs are read from the standby', async () => {
    const tag = randomBytes(3).toString('hex');
    const symbol = `RPL${tag.toUpperCase()}`;
    const source = `replica-check-${tag}`;
    const { rows } = await db.pool.query<{ id: number }>(
      'select gene_id::int as id from gene_scores where percentage_score > 0 order by gene_id desc limit 1',
    );
    const scored = rows[0]?.id as number;
    const reads = async () => ({
      detail: (await app.inject({ method: 'GET', url: `/api/genes/${symbol}` })).statusCode,
      list: (await getJson(`/api/genes/?filter[search]=${symbol}&filter[hide_zero_scores]=false`)).meta.total,
      records: (await getJson('/api/statistics/summary')).data.quality.total_evidence_records,
      logs: (await getJson(`/api/admin/logs/?source=${source}`)).pagination.total,
      topSources: (await getJson('/api/admin/logs/statistics?hours=1')).top_sources as { source: string }[],
    });
    let standbyRecords = 0;
    await withClient(standby.url, async (replica) => {
      await replica.query('select pg_wal_replay_pause()');
      try {
        await insertGene(db.pool, { symbol });
        await db.pool.query(
          `insert into gene_evidence (gene_id, source_name, evidence_data) values ($1, $2, '{}')`,
          [scored, `ReplicaCheck-${tag}`],
        );
        await db.pool.query(
          `insert into system_logs (level, logger, message, path, method, status_code)
           select 'INFO', $1, 'replica check', '/replica-check', 'GET', 200 from generate_series(1, 3)`,
          [source],
        );
        standbyRecords = await evidenceRecords((sql) => replica.query(sql));
        expect(await evidenceRecords((sql) => db.pool.query(sql))).toBe(standbyRecords + 1);
        // A summary cached before this test would hide where it is read from.
        composition.caching.cache.invalidate('statistics', { kind: 'admin', name: 'test' });
        const paused = await reads();
        expect(paused).toMatchObject({ detail: 404, list: 0, records: standbyRecords, logs: 0 });
        expect(paused.topSources.map((s) => s.source)).not.toContain(source);
      } finally {
        await replica.query('select pg_wal_replay_resume()');
      }
    });
    // Replayed, the same routes show the writes (the cached ones once their invalidations waited for it).
    await waitFor('the writes to reach every route', async () => {
      const now = await reads();
      return (
        now.detail === 200 &&
        now.list === 1 &&
        now.records === standbyRecords + 1 &&
        now.logs === 3 &&
        now.topSources.some((s) => s.source === source)
      );
    });
  });

  it('a cached answer is never refilled from the standby with data older than the change that cleared it', async () => {
    const cache = composition.caching.cache;
    for (const [i, symbol] of symbols.slice(1, 4).entries()) {
      const url = `/api/genes/${symbol}/evidence`;
      const marker = `cached-${i}-${randomBytes(3).toString('hex')}`;
      await getJson(url);
      const hit = await app.inject({ method: 'GET', url });
      expect(hit.headers['server-timing']).toContain('cache;desc="hit"');
      const waitsBefore = composition.readRouter?.stats().replayWaits.caught_up ?? 0;
      // The invalidation is applied only once the standby has replayed the write (a delay of APPLY_DELAY_MS):
      // the read right after it misses the cache and reloads from the standby, which must show the write.
      await writeAndAwaitInvalidation([cache], 'table:gene_evidence', () => writeMarker(symbol, marker));
      expect(markerIn(await getJson(url))).toBe(marker);
      expect(composition.readRouter?.stats().replayWaits.caught_up).toBeGreaterThan(waitsBefore);
    }
    expect(invalidationsBy(cache, 'table:gene_evidence')).toBeGreaterThanOrEqual(3);
  });

  it('a standby that stops replaying holds an invalidation only up to the cap, then reads go to the primary until it has the change', async () => {
    const lines: LogLine[] = [];
    // A second instance on the same servers whose replay wait gives up after 500 ms.
    const lagging = await compose({
      pool: db.pool,
      readPool: db.readPool,
      logger: collect(lines),
      jwtSecret: randomBytes(32).toString('base64url'),
      guard: false,
      swaps: { readReplica: { recheck: { initialMs: 100, maxMs: 500 }, maxReplayWaitMs: 500 } },
    });
    try {
      const router = lagging.readRouter;
      const symbol = symbols[8] as string;
      const url = `/api/genes/${symbol}/evidence`;
      const marker = `lagging-${randomBytes(3).toString('hex')}`;
      await getJson(url, lagging.app);
      const hit = await lagging.app.inject({ method: 'GET', url });
      expect(hit.headers['server-timing']).toContain('cache;desc="hit"');
      await withClient(standby.url, async (replica) => {
        await replica.query('select pg_wal_replay_pause()');
        try {
          // The standby never replays it while paused: the invalidation is applied at the cap.
          await writeAndAwaitInvalidation([lagging.caching.cache], 'table:gene_evidence', () =>
            writeMarker(symbol, marker),
          );
          expect(router?.stats().replayWaits.timed_out).toBe(1);
          expect(router?.status).toBe('down');
          // The reload reads the primary: the change, not the standby's older row.
          expect(markerIn(await getJson(url, lagging.app))).toBe(marker);
          expect(await recovering((sql) => router?.query(sql) as Promise<pg.QueryResult>)).toBe(false);
          expect(await metric('kgdb_read_replica_up', '', lagging)).toBe(0);
          expect(await metric('kgdb_read_replica_replay_waits_total', '{outcome="timed_out"}', lagging)).toBe(
            1,
          );
          expect((await getJson('/health', lagging.app)).read).toEqual({ replica: 'down' });
          expect(logged(/^read replica down/, lines)).toMatchObject([{ cause: 'lagging' }]);
        } finally {
          await replica.query('select pg_wal_replay_resume()');
        }
      });
      await waitFor('the standby to serve again', () => router?.status === 'up', 60_000);
      expect(logged(/^read replica back/, lines)).toHaveLength(1);
      expect(await recovering((sql) => router?.query(sql) as Promise<pg.QueryResult>)).toBe(true);
      expect(markerIn(await getJson(url, lagging.app))).toBe(marker);
    } finally {
      await lagging.app.close();
    }
  });

  it('a stopped standby: reads answer from the primary, counted, one log line; restarted, reads return to it', async () => {
    const before = await fallbacks();
    await standby.stop();
    for (const symbol of symbols.slice(4, 7)) {
      // Cache misses: each must be read somewhere, and the primary has the current data.
      const body = await getJson(`/api/genes/${symbol}/evidence`);
      const { rows } = await db.pool.query<{ n: number }>(
        'select count(*)::int as n from gene_evidence ge join genes g on g.id = ge.gene_id where g.approved_symbol = $1',
        [symbol],
      );
      expect(body.data).toHaveLength(rows[0]?.n ?? -1);
    }
    expect(await fallbacks()).toBeGreaterThan(before);
    expect(await metric('kgdb_read_replica_up')).toBe(0);
    expect((await getJson('/health')).read).toEqual({ replica: 'down' });
    expect(logged(/^read replica down/)).toHaveLength(1);
    // A write while it is down: its invalidation does not wait for a standby nobody reads.
    const symbol = symbols[7] as string;
    await getJson(`/api/genes/${symbol}/evidence`);
    const marker = `down-${randomBytes(3).toString('hex')}`;
    await writeAndAwaitInvalidation([composition.caching.cache], 'table:gene_evidence', () =>
      writeMarker(symbol, marker),
    );
    expect(markerIn(await getJson(`/api/genes/${symbol}/evidence`))).toBe(marker);
    expect(composition.readRouter?.stats().replayWaits.skipped).toBeGreaterThan(0);

    await standby.start();
    await waitFor('the replica to be back', () => composition.readRouter?.status === 'up', 60_000);
    expect(logged(/^read replica down/)).toHaveLength(1);
    expect(logged(/^read replica back/)).toHaveLength(1);
    expect(await recovering((sql) => composition.readRouter?.query(sql) as Promise<pg.QueryResult>)).toBe(
      true,
    );
    expect((await getJson('/health')).read).toEqual({ replica: 'up' });
  });
});
