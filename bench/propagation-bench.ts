/**
 * How fast changes reach other instances: the latency bounds the tests no longer assert (a busy machine
 * breaks any bound), measured here and reported.
 *
 *   npx tsx bench/propagation-bench.ts [--changes 500]
 *
 * - flag: a change through one instance's store (its API's path) → applied by a second instance's snapshot
 *   from the NOTIFY (the poll is a minute, so nothing else can deliver it);
 * - cache: a plain SQL write to `genes` → this instance's cache has dropped the namespaces that read it.
 * Uses the embedded server in KGDB_DATA_DIR (or DATABASE_URL's), on the genes bench's small scratch database.
 */
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { createCaching } from '../src/app/caching.js';
import { prepareBenchDatabase } from '../src/bench/bench-database.js';
import { armStats } from '../src/bench/genes-bench.js';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db/database.js';
import { createLogger } from '../src/logger.js';
import { silentProgress } from '../src/progress.js';
import { createFlagSnapshot } from '../src/rollout/flags/flag-snapshot.js';
import { createFlagStore } from '../src/rollout/flags/flag-store.js';

const { values } = parseArgs({ options: { changes: { type: 'string', default: '500' } } });
const CHANGES = Number(values.changes);

async function main() {
  const logger = createLogger('warn', 2);
  const server = await openDatabase(loadConfig(process.env), logger);
  const { pool } = await prepareBenchDatabase(
    server.url,
    { genes: 200, evidence: 600, seed: 1 },
    { fresh: false, logger, progress: silentProgress },
  );
  const store = createFlagStore(pool);
  const other = createFlagSnapshot({
    store: createFlagStore(pool),
    connection: pool.options,
    pollMs: 60_000,
  });
  await other.start();
  // The process's one cache as the composition builds it, its invalidation listener connected.
  const caching = createCaching({ db: pool, connection: pool.options, logger });
  await caching.start();
  try {
    const flag: number[] = [];
    for (let i = 0; i < CHANGES; i++) {
      const applied = once(other.events, 'applied');
      const t0 = performance.now();
      await store.update(
        'enable_shadow_testing',
        { percentage: i % 2 === 0 ? 0.5 : 0.25 },
        { actor: 'bench' },
      );
      await applied;
      flag.push(performance.now() - t0);
    }
    const { rows } = await pool.query<{ id: number }>('select id from genes order by id limit 1');
    const cache: number[] = [];
    const dropped = () => caching.cache.stats().invalidations['table:genes'] ?? 0;
    for (let i = 0; i < CHANGES; i++) {
      const before = dropped();
      const t0 = performance.now();
      await pool.query('update genes set aliases = array[$1::text] where id = $2', [`p${i}`, rows[0]?.id]);
      while (dropped() === before) await new Promise((r) => setImmediate(r));
      cache.push(performance.now() - t0);
    }
    const report = (ms: number[]) => {
      const s = armStats(ms);
      const sorted = [...ms].sort((a, b) => a - b);
      return { ...s, p999_ms: sorted[Math.min(sorted.length - 1, Math.ceil(0.999 * sorted.length) - 1)] };
    };
    process.stdout.write(
      `${JSON.stringify({ changes: CHANGES, flag_change_to_other_instance: report(flag), table_write_to_cache_invalidation: report(cache) }, null, 2)}\n`,
    );
  } finally {
    await caching.close();
    await other.stop();
    await pool.end();
    await server.close();
  }
}

await main();
