import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CacheInvalidator, createCacheInvalidator } from '../../src/cache/cache-invalidator.js';
import type { Cache, InvalidationSource } from '../../src/cache/cache-types.js';
import type { InvalidationMap } from '../../src/cache/invalidation-map.js';
import { createCache } from '../../src/cache/namespaced-cache.js';
import { waitFor } from '../cache/cache-fixture.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

/**
 * The cache invalidator with a read barrier (what a read replica adds, src/app/caching.ts): changes are applied
 * only after a barrier resolves, in arrival order, those arriving during one wait share the next; the cache goes
 * live (at start and after a reconnect) only after a barrier; losing the listener still bypasses it at once. The
 * barrier here is a promise the test resolves, so every step is an event the test waits for.
 */

const APPLICATION = 'kgdb-barrier-test';

let db: TestDatabase;
let cache: Cache;
let invalidator: CacheInvalidator;
/** What the invalidator did to the cache, in order. */
const applied: string[] = [];
/** One entry per barrier call; resolve it to let that wait end. */
const waits: { resolve: () => void; reject: (err: Error) => void }[] = [];

function recording(inner: Cache): Cache {
  const label = (source: InvalidationSource) => `${source.kind}:${source.name}`;
  return Object.assign(Object.create(inner) as Cache, {
    invalidate(namespace: string, source: InvalidationSource) {
      applied.push(`${namespace} ${label(source)}`);
      inner.invalidate(namespace, source);
    },
    flushAll(source: InvalidationSource) {
      applied.push(`all ${label(source)}`);
      inner.flushAll(source);
    },
    setLive(live: boolean) {
      applied.push(`live ${live}`);
      inner.setLive(live);
    },
  });
}

const MAP: InvalidationMap = {
  byTable: new Map([
    ['genes', ['genes_ns']],
    ['gene_evidence', ['evidence_ns']],
  ]),
  byMatview: new Map([['gene_scores', ['scores_ns']]]),
  tables: ['genes', 'gene_evidence'],
};

const notifyAll = (...messages: [channel: string, payload: string][]) =>
  db.pool.query(
    `select ${messages.map((_, i) => `pg_notify($${2 * i + 1}, $${2 * i + 2})`).join(', ')}`,
    messages.flat(),
  );

const waitCalls = (n: number) => waitFor(`${n} barrier calls`, () => waits.length === n);
const appliedSince = (mark: number) => applied.slice(mark);

beforeAll(async () => {
  db = await createTestDatabase(2);
  const inner = createCache({
    namespaces: ['genes_ns', 'evidence_ns', 'scores_ns'].map((name) => ({ name, ttlMs: 60_000 })),
  });
  cache = recording(inner);
  invalidator = createCacheInvalidator({
    cache,
    map: MAP,
    connection: db.pool.options,
    applicationName: APPLICATION,
    backoff: { initialMs: 20, maxMs: 100 },
    readBarrier: () =>
      new Promise<void>((resolve, reject) => {
        waits.push({ resolve, reject });
      }),
  });
});

afterAll(async () => {
  await invalidator?.close();
  await db?.drop();
});

describe('cache invalidation behind a read barrier', () => {
  it('goes live only once the first barrier has resolved', async () => {
    const started = invalidator.start();
    await waitCalls(1);
    expect(cache.live).toBe(false);
    waits[0]?.resolve();
    await started;
    expect(cache.live).toBe(true);
    expect(applied).toEqual(['live false', 'all flush:start', 'live true']);
  });

  it('applies changes after a barrier, in arrival order; one wait covers all that arrived during the last', async () => {
    const mark = applied.length;
    await notifyAll(['kgdb_table_changed', 'genes']);
    await waitCalls(2);
    expect(appliedSince(mark)).toEqual([]);
    // Three more in one transaction, while the second wait is in flight: they queue behind it.
    await notifyAll(
      ['kgdb_table_changed', 'gene_evidence'],
      ['kgdb_view_refreshed', 'gene_scores'],
      ['kgdb_cache_clear', JSON.stringify({ namespace: 'genes_ns' })],
    );
    await waitFor('the three to queue', () => invalidator.pendingChanges === 4);
    waits[1]?.resolve();
    await waitCalls(3);
    expect(appliedSince(mark)).toEqual(['genes_ns table:genes']);
    waits[2]?.resolve();
    await waitFor('the queued three', () => invalidator.pendingChanges === 0);
    expect(appliedSince(mark)).toEqual([
      'genes_ns table:genes',
      'evidence_ns table:gene_evidence',
      'scores_ns matview:gene_scores',
      'genes_ns admin:admin',
    ]);
    expect(waits).toHaveLength(3);
  });

  it('a failed barrier still applies the change (dropping is always safe)', async () => {
    const mark = applied.length;
    await notifyAll(['kgdb_table_changed', 'gene_evidence']);
    await waitCalls(4);
    waits[3]?.reject(new Error('primary unreachable'));
    await waitFor('the change', () => invalidator.pendingChanges === 0);
    expect(appliedSince(mark)).toEqual(['evidence_ns table:gene_evidence']);
  });

  it('a lost listener bypasses the cache at once; after the reconnect it goes live only behind a barrier', async () => {
    const mark = applied.length;
    await notifyAll(['kgdb_table_changed', 'genes']);
    await waitCalls(5);
    await db.pool.query(
      'select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1',
      [APPLICATION],
    );
    // Not live while the barrier of the change before the loss is still pending.
    await waitFor('the loss', () => !cache.live);
    await waitFor(
      'the reconnect to queue its flush',
      () => invalidator.connected && invalidator.pendingChanges === 2,
    );
    waits[4]?.resolve();
    await waitCalls(6);
    expect(appliedSince(mark)).toEqual(['live false', 'genes_ns table:genes']);
    expect(cache.live).toBe(false);
    waits[5]?.resolve();
    await waitFor('live again', () => cache.live);
    expect(appliedSince(mark)).toEqual([
      'live false',
      'genes_ns table:genes',
      'all flush:reconnect',
      'live true',
    ]);
  });

  it('nothing is applied after close', async () => {
    const mark = applied.length;
    await notifyAll(['kgdb_table_changed', 'genes']);
    await waitCalls(7);
    await invalidator.close();
    waits[6]?.resolve();
    await waitFor('the wait to end', () => invalidator.pendingChanges === 0);
    expect(appliedSince(mark)).toEqual(['live false']);
  });
});
