/**
 * Numbers for docs/read-replica.md: uncached views reads on the primary vs on a streaming standby, and how long
 * a cache invalidation's replay wait takes behind a standby without and with an apply delay. Builds its own
 * primary and standby (test/helpers/standby.ts) and removes them at the end.
 *
 *   npx tsx test/replica/replica-bench.ts [--genes N] [--reads N] [--writes N]
 */
import { rm } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { seedDemo } from '../../src/data/demo/seed-demo.js';
import { migrate } from '../../src/db/migrate.js';
import { createPool, type Pool, withClient } from '../../src/db/pool.js';
import { createReadRouter, type ReadRouter } from '../../src/db/read-pool.js';
import { toGeneListQuery } from '../../src/genes/gene-list-query.js';
import type { GeneRepository } from '../../src/genes/gene-repository.js';
import { createViewGeneRepository } from '../../src/genes/views/view-gene-repository.js';
import { createLogger } from '../../src/logger.js';
import { applyViews } from '../../src/views/apply.js';
import { VIEWS } from '../../src/views/defs/index.js';
import { makeClusterRoot, standbyPrograms, startPrimary, startStandby } from '../helpers/standby.js';
import { refreshMaterializedViews } from '../helpers/views.js';

const { values } = parseArgs({
  options: {
    genes: { type: 'string', default: '2000' },
    reads: { type: 'string', default: '400' },
    writes: { type: 'string', default: '200' },
  },
});
const genes = Number(values.genes);
const reads = Number(values.reads);
const writes = Number(values.writes);

const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
function summary(label: string, ms: number[]): void {
  const sorted = [...ms].sort((a, b) => a - b);
  const fmt = (n: number) => n.toFixed(2);
  console.log(
    `${label.padEnd(48)} n=${sorted.length} p50=${fmt(quantile(sorted, 0.5))} ms p90=${fmt(quantile(sorted, 0.9))} ms p99=${fmt(quantile(sorted, 0.99))} ms max=${fmt(sorted.at(-1) ?? Number.NaN)} ms`,
  );
}

async function timed(n: number, fn: (i: number) => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn(i);
    out.push(performance.now() - t);
  }
  return out;
}

async function readLatency(label: string, repo: GeneRepository, symbols: string[]): Promise<void> {
  const list = toGeneListQuery({});
  await timed(50, () => repo.list(list)); // warm: plans prepared, caches hot
  summary(`${label}: GET /api/genes/ (default page)`, await timed(reads, () => repo.list(list)));
  summary(
    `${label}: GET /api/genes/{symbol}`,
    await timed(reads, (i) => repo.findBySymbol(symbols[i % symbols.length] as string)),
  );
}

/** Commits on one session with the given synchronous_commit, each followed by the replay wait it causes. */
async function replayWaits(
  label: string,
  primary: Pool,
  router: ReadRouter,
  n: number,
  synchronousCommit: 'on' | 'off' = 'on',
): Promise<void> {
  const waits: number[] = [];
  await withClient(primary, async (client) => {
    await client.query('select set_config($1, $2, false)', ['synchronous_commit', synchronousCommit]);
    for (let i = 0; i < n; i++) {
      await client.query('update genes set aliases = array[$1::text] where id = 1', [`bench-${i}`]);
      const t = performance.now();
      await router.waitForReplay();
      waits.push(performance.now() - t);
    }
  });
  summary(`${label}: replay wait after a commit`, waits);
}

async function main(): Promise<void> {
  const programs = await standbyPrograms();
  if (typeof programs === 'string') throw new Error(`cannot build a standby here: ${programs}`);
  const root = await makeClusterRoot();
  const logger = createLogger('silent');
  const primaryServer = await startPrimary(root);
  const primary = createPool({ connectionString: primaryServer.url, max: 4 });
  try {
    await migrate(primary, logger);
    await applyViews(primary, VIEWS);
    await seedDemo(primary, { genes, evidence: genes * 5, logs: 1000, seed: 5 });
    await refreshMaterializedViews(primary);
    const symbols = (
      await primary.query<{ s: string }>('select approved_symbol as s from genes order by id limit 200')
    ).rows.map((r) => r.s);
    console.log(`primary + standby on this machine, ${genes} genes; ${reads} reads per line`);

    for (const delay of [0, 1000]) {
      const standby = await startStandby(programs, primaryServer, root, { applyDelayMs: delay });
      const replica = createPool({ connectionString: standby.url, max: 4 });
      const router = createReadRouter({ primary, replica, logger, maxReplayWaitMs: 60_000 });
      try {
        if (delay === 0) {
          await readLatency('primary', createViewGeneRepository(primary), symbols);
          await readLatency('replica', createViewGeneRepository(router), symbols);
          await replayWaits('synchronous_commit on', primary, router, writes);
          // The embedded server's setting: the commit returns before its WAL is flushed (and streamed).
          await replayWaits('synchronous_commit off', primary, router, writes, 'off');
        } else {
          await replayWaits(`apply delay ${delay} ms`, primary, router, 10);
        }
      } finally {
        router.close();
        await replica.end();
        await standby.close();
      }
    }
  } finally {
    await primary.end();
    await primaryServer.stop();
    await rm(root, { recursive: true, force: true });
  }
}

await main();
