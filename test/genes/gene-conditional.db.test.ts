import { createHash } from 'node:crypto';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Composition } from '../../src/app/compose.js';
import { waitFor } from '../cache/cache-fixture.js';
import { composeTestApp } from '../helpers/app.js';
import { refreshMaterializedViews } from '../helpers/views.js';
import { ARMS, type Arm, type ArmDatabases, armDatabases, servedArm } from './arm-databases.js';
import { insertFixture } from './gene-fixture.js';

// ETag, If-None-Match and content coding of the gene routes on both arms (docs/api.md, "Caching and
// conditional requests"). The arm is the flag's choice as in production: each arm has its own copy of the
// fixture, the legacy copy with use_database_views at 0 %.

let dbs: ArmDatabases;
const apps = new Map<Arm, Composition>();

beforeAll(async () => {
  dbs = await armDatabases(async (pool) => {
    await insertFixture(pool);
    await refreshMaterializedViews(pool);
  });
  for (const arm of ARMS) apps.set(arm, await composeTestApp(dbs[arm].pool));
});
afterAll(async () => {
  for (const composed of apps.values()) await composed.app.close();
  await dbs?.drop();
});

const composed = (arm: Arm) => {
  const found = apps.get(arm);
  if (!found) throw new Error(`no app for the ${arm} arm`);
  return found;
};
const get = (arm: Arm, url: string, headers: Record<string, string> = {}) =>
  composed(arm).app.inject({ method: 'GET', url, headers });
const sha256Tag = (bytes: Buffer) => `"${createHash('sha256').update(bytes).digest('base64url')}"`;

const URLS = [
  '/api/genes/',
  '/api/genes?sort=-score&page[size]=2&page[number]=2',
  '/api/genes/pkd1',
  '/api/genes/PKD1/evidence',
];

describe.each(ARMS)('%s arm', (arm) => {
  it.each(URLS)('%s: ETag is the SHA-256 of the body, the same for the same answer', async (url) => {
    const [first, second] = [await get(arm, url), await get(arm, url)];
    expect(servedArm(first)).toBe(arm);
    for (const res of [first, second]) {
      expect(res.statusCode).toBe(200);
      expect(res.headers).toMatchObject({
        etag: sha256Tag(res.rawPayload),
        'cache-control': 'no-cache',
        vary: 'Accept-Encoding',
        'content-type': 'application/json; charset=utf-8',
      });
    }
    expect(second.rawPayload.equals(first.rawPayload)).toBe(true);
  });

  it.each(URLS)(
    '%s: If-None-Match with the tag, *, a list or the weak tag → 304; another tag → 200',
    async (url) => {
      const { etag } = (await get(arm, url)).headers;
      for (const header of [String(etag), '*', `"x", ${etag}`, `W/${etag}`]) {
        const res = await get(arm, url, { 'if-none-match': header });
        expect(res.statusCode, header).toBe(304);
        expect(res.rawPayload.length).toBe(0);
        expect(res.headers).toMatchObject({ etag, 'cache-control': 'no-cache', vary: 'Accept-Encoding' });
        // Still the flag's arm, for the metrics and the rollout window.
        expect(servedArm(res)).toBe(arm);
      }
      const changed = await get(arm, url, { 'if-none-match': '"x", W/"y"' });
      expect(changed.statusCode).toBe(200);
      expect(changed.headers.etag).toBe(etag);
    },
  );

  it('links follow the URL as sent: another spelling of the same page is another body and tag', async () => {
    const [a, b] = [await get(arm, '/api/genes/?sort=-score'), await get(arm, '/api/genes?sort=-score')];
    expect(a.json().data).toEqual(b.json().data);
    expect(a.headers.etag).not.toBe(b.headers.etag);
    expect(a.headers.etag).toBe(sha256Tag(a.rawPayload));
    expect(b.headers.etag).toBe(sha256Tag(b.rawPayload));
  });

  it('a 404 carries no validator and ignores If-None-Match: *', async () => {
    const res = await get(arm, '/api/genes/NOPE', { 'if-none-match': '*' });
    expect(res.statusCode).toBe(404);
    expect(res.headers.etag).toBeUndefined();
  });
});

it('both arms send the same bytes, so the same tags', async () => {
  for (const url of URLS) {
    const [legacy, views] = [await get('legacy', url), await get('views', url)];
    expect(legacy.rawPayload.toString(), url).toBe(views.rawPayload.toString());
    expect(legacy.headers.etag).toBe(views.headers.etag);
  }
});

it('views callers get the body kept with the cache entry, compressed on request; the forms decode to it', async () => {
  let compressed = 0;
  for (const url of URLS) {
    const plain = await get('views', url);
    for (const coding of ['br', 'gzip'] as const) {
      const res = await get('views', url, { 'accept-encoding': `${coding}, identity;q=0.5` });
      expect(res.headers['server-timing']).toContain('cache;desc="hit"');
      if (plain.rawPayload.length < 1024) {
        expect(res.headers['content-encoding'], url).toBeUndefined();
        continue;
      }
      expect(res.headers).toMatchObject({
        'content-encoding': coding,
        etag: `${String(plain.headers.etag).slice(0, -1)}-${coding}"`,
      });
      const decoded = coding === 'br' ? brotliDecompressSync(res.rawPayload) : gunzipSync(res.rawPayload);
      expect(decoded.equals(plain.rawPayload), url).toBe(true);
      compressed += 1;
      expect(
        (await get('views', url, { 'accept-encoding': coding, 'if-none-match': String(res.headers.etag) }))
          .statusCode,
      ).toBe(304);
    }
  }
  // The lists and the evidence are over 1 kB; the detail is not (sent as it is).
  expect(compressed).toBe(6);
});

it('legacy callers are never answered from the views cache: nothing cached, nothing kept, sent as serialized', async () => {
  for (const url of URLS) {
    const res = await get('legacy', url, { 'accept-encoding': 'br, gzip' });
    expect(servedArm(res)).toBe('legacy');
    expect(res.headers['content-encoding']).toBeUndefined();
    expect(res.headers['server-timing']).not.toContain('cache;desc="hit"');
  }
  const { cache } = composed('legacy').caching;
  for (const namespace of ['gene_list', 'gene_detail', 'gene_evidence'])
    expect((await cache.keys(namespace)).memory, namespace).toEqual([]);
});

it('answering from a kept body still takes the rollout decisions: a sampled call runs its comparison', async () => {
  const views = composed('views');
  const url = '/api/genes/';
  const { etag } = (await get('views', url)).headers;
  // Every call sampled (the fresh install samples 1 %); the snapshot follows the change through NOTIFY.
  await dbs.views.pool.query(`update feature_flags set percentage = 100 where key = 'enable_shadow_testing'`);
  try {
    await waitFor(
      'the shadow flag at 100 %',
      () => views.flagSnapshot.get('enable_shadow_testing')?.percentage === 100,
    );
    const { experimenter } = views.rollout;
    await experimenter.drain();
    const before = experimenter.stats();
    for (let i = 0; i < 5; i++) {
      const res = await get('views', url, { 'if-none-match': String(etag) });
      expect(res.statusCode).toBe(304);
      expect(res.headers['server-timing']).toContain('cache;desc="hit"');
      // One verification at a time, so none is skipped for the in-flight cap.
      await experimenter.drain();
    }
    expect(experimenter.stats()).toMatchObject({
      started: before.started + 5,
      verifySkipped: before.verifySkipped,
    });
  } finally {
    await dbs.views.pool.query(`update feature_flags set percentage = 1 where key = 'enable_shadow_testing'`);
  }
});
