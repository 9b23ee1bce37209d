import http from 'node:http';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Composition } from '../../src/app/compose.js';
import { EXPORTS_RETRY_AFTER_SECONDS, exportSlotCount } from '../../src/export/export-slots.js';
import { createRelease } from '../../src/releases/freeze.js';
import { insertFixture } from '../genes/gene-fixture.js';
import { composeTestApp } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';
import { refreshMaterializedViews } from '../helpers/views.js';

// Exports over a real socket: a client that stops reading pauses the export (cursor and pool client held), one
// that disconnects gives both back; the per-process cap on concurrent exports (half the pool) answers 503
// EXPORTS_BUSY and frees a slot when a response finishes or its client leaves.

const POOL_MAX = 4;
/** Genes with ~1 KB of aliases each: an export of ~20 MB, far more than socket and stream buffers hold. */
const WIDE_GENES = 20_000;
/** Generous: the machine is shared and busy; each wait ends as soon as its condition holds. */
const DEADLINE = { timeout: 30_000, interval: 20 };

let db: TestDatabase;
let composition: Composition;
let app: FastifyInstance;
let port: number;

beforeAll(async () => {
  db = await createTestDatabase(POOL_MAX);
  await insertFixture(db.pool);
  await db.pool.query(
    `insert into genes (approved_symbol, hgnc_id, aliases)
     select 'WIDE' || n, 'HGNC:' || (900000 + n),
            array(select repeat(chr(65 + k), 45) || n from generate_series(0, 19) k)
       from generate_series(1, $1::int) n`,
    [WIDE_GENES],
  );
  await refreshMaterializedViews(db.pool);
  await createRelease(db.pool, {
    version: '2026.1',
    notes: null,
    publish: false,
    actor: { name: 'test', userId: null },
  });
  composition = await composeTestApp(db.pool);
  app = composition.app;
  port = Number(new URL(await app.listen({ host: '127.0.0.1', port: 0 })).port);
}, 120_000);
afterAll(async () => {
  await app?.close();
  await db?.drop();
});

const ALL = '/api/genes/export?format=csv&filter[hide_zero_scores]=false';
const slots = () => composition.parts.exportSlots;
const poolIdle = () => db.pool.idleCount === db.pool.totalCount;

/** Backends of this database running an export's statement (a cursor open or a statement running). */
async function exportBackends(): Promise<number> {
  const { rows } = await db.pool.query<{ n: number }>(
    `select count(*)::int as n from pg_stat_activity
      where datname = current_database() and pid <> pg_backend_pid() and state <> 'idle'
        and query like '%from gene_list_detailed l%'`,
  );
  return rows[0]?.n ?? 0;
}

interface Paused {
  /** Bytes received before the client stopped reading. */
  received: number;
  /** Closes the connection without reading further. */
  abort(): void;
}

/** Starts an export over HTTP, reads its first chunk and stops reading. */
function pausedExport(path: string): Promise<Paused> {
  return new Promise((resolve, reject) => {
    let started = false;
    const request = http.get({ host: '127.0.0.1', port, path }, (res) => {
      if (res.statusCode !== 200) {
        reject(new Error(`${path}: status ${res.statusCode}`));
        return;
      }
      res.once('data', (chunk: Buffer) => {
        res.pause();
        started = true;
        resolve({ received: chunk.length, abort: () => request.destroy() });
      });
    });
    // After an abort the request reports the reset: expected then, a failure before.
    request.on('error', (err) => {
      if (!started) reject(err);
    });
  });
}

describe('a client that disconnects mid-stream', () => {
  it('closes the cursor and gives the pool client back', async () => {
    const paused = await pausedExport(ALL);
    expect(paused.received).toBeGreaterThan(0);
    // Still streaming: the reader is far behind a file of ~20 MB.
    await vi.waitFor(async () => expect(await exportBackends()).toBe(1), DEADLINE);
    expect(db.pool.totalCount - db.pool.idleCount).toBeGreaterThanOrEqual(1);

    paused.abort();
    await vi.waitFor(async () => {
      expect(await exportBackends()).toBe(0);
      expect(poolIdle()).toBe(true);
      expect(slots().inUse).toBe(0);
    }, DEADLINE);
  });
});

describe('the cap on concurrent exports', () => {
  it(`is half the pool (${POOL_MAX} → ${exportSlotCount(POOL_MAX)}), shared by gene and release exports`, async () => {
    expect(slots().max).toBe(2);
    const first = await pausedExport(ALL);
    const second = await pausedExport('/api/genes/export?format=json&filter[hide_zero_scores]=false');
    expect(slots().inUse).toBe(2);

    for (const url of [ALL, '/api/releases/2026.1/export?format=tsv']) {
      const busy = await app.inject({ method: 'GET', url });
      expect(busy.statusCode, url).toBe(503);
      expect(busy.headers['retry-after']).toBe(String(EXPORTS_RETRY_AFTER_SECONDS));
      expect(busy.headers['content-disposition']).toBeUndefined();
      expect(busy.json().error).toMatchObject({ status: 503, code: 'EXPORTS_BUSY' });
      expect(busy.json().error.detail).toMatch(/at most 2 exports run at once/);
    }
    // HEAD runs no export, so it takes no slot.
    expect((await app.inject({ method: 'HEAD', url: ALL })).statusCode).toBe(200);

    // A client leaving frees its slot.
    first.abort();
    await vi.waitFor(() => expect(slots().inUse).toBe(1), DEADLINE);
    const release = await app.inject({ method: 'GET', url: '/api/releases/2026.1/export?format=csv' });
    expect(release.statusCode).toBe(200);
    expect(release.headers['content-disposition']).toBe('attachment; filename="kgdb-release-2026.1.csv"');
    // A finished response frees its slot too: the next export gets it.
    await vi.waitFor(() => expect(slots().inUse).toBe(1), DEADLINE);
    const small = await app.inject({ method: 'GET', url: '/api/genes/export?filter[search]=PKD' });
    expect(small.statusCode).toBe(200);
    expect(small.body).toContain('PKD1');

    second.abort();
    await vi.waitFor(async () => {
      expect(slots().inUse).toBe(0);
      expect(await exportBackends()).toBe(0);
      expect(poolIdle()).toBe(true);
    }, DEADLINE);
  });
});

describe('a failure before the first row', () => {
  it('is an error answer, not a download; its slot is freed', async () => {
    await db.pool.query('alter view gene_list_detailed rename to gene_list_detailed_away');
    try {
      const res = await app.inject({ method: 'GET', url: '/api/genes/export?format=csv' });
      expect(res.statusCode).toBe(500);
      expect(res.json().error.code).toBe('INTERNAL');
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.headers['content-disposition']).toBeUndefined();
    } finally {
      await db.pool.query('alter view gene_list_detailed_away rename to gene_list_detailed');
    }
    await vi.waitFor(() => {
      expect(slots().inUse).toBe(0);
      expect(poolIdle()).toBe(true);
    }, DEADLINE);
  });
});
