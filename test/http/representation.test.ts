import { createHash } from 'node:crypto';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  noneMatch,
  represent,
  representationBytes,
  sendRepresentation,
} from '../../src/http/representation.js';

// Conditional GET and content coding of a kept body (RFC 9110 §8.8.3, §12.5.3, §13.1.2), on a bare Fastify app;
// the gene routes send their answers this way (test/genes/gene-conditional.db.test.ts).

const BODY = JSON.stringify({ data: Array.from({ length: 200 }, (_, i) => ({ id: i, name: `gene ${i}` })) });
const SMALL = JSON.stringify({ data: [] });
const sha256Tag = (bytes: Buffer) => `"${createHash('sha256').update(bytes).digest('base64url')}"`;

let app: FastifyInstance;
beforeAll(async () => {
  app = Fastify();
  const kept = represent(BODY, { compress: true });
  const uncompressed = represent(BODY, { compress: false });
  const small = represent(SMALL, { compress: true });
  app.get('/kept', (request, reply) => sendRepresentation(request, reply, kept));
  app.get('/uncompressed', (request, reply) => sendRepresentation(request, reply, uncompressed));
  app.get('/small', (request, reply) => sendRepresentation(request, reply, small));
  await app.ready();
});
afterAll(async () => {
  await app?.close();
});

const get = (url: string, headers: Record<string, string> = {}) =>
  app.inject({ method: 'GET', url, headers });
const TAG = sha256Tag(Buffer.from(BODY));

describe('compressed forms', () => {
  it('are made once, on demand, and counted up front at half the body', () => {
    const r = represent(BODY, { compress: true });
    expect(r.compressible).toBe(true);
    expect(representationBytes(r)).toBe(BODY.length + Math.ceil(BODY.length / 2));
    const first = r.encoded();
    expect(first.map((e) => e.coding)).toEqual(['br', 'gzip']);
    expect(r.encoded()).toBe(first);
    for (const e of first) expect(e.body.length).toBeLessThan(BODY.length / 2);
    const plain = represent(BODY, { compress: false });
    expect([plain.compressible, plain.encoded(), representationBytes(plain)]).toEqual([
      false,
      [],
      BODY.length,
    ]);
  });
});

describe('validators and headers', () => {
  it('the ETag is the SHA-256 of the body as sent; no-cache and Vary on every answer', async () => {
    for (const url of ['/kept', '/uncompressed']) {
      const res = await get(url);
      expect(res.statusCode).toBe(200);
      expect(res.rawPayload.toString()).toBe(BODY);
      expect(res.headers).toMatchObject({
        etag: TAG,
        'cache-control': 'no-cache',
        vary: 'Accept-Encoding',
        'content-type': 'application/json; charset=utf-8',
      });
      expect(res.headers['content-encoding']).toBeUndefined();
    }
    expect((await get('/small', { 'accept-encoding': 'br' })).headers).toMatchObject({
      etag: sha256Tag(Buffer.from(SMALL)),
      vary: 'Accept-Encoding',
    });
  });

  it('each compressed form decodes to the identical body and has its own tag', async () => {
    const br = await get('/kept', { 'accept-encoding': 'br' });
    const gzip = await get('/kept', { 'accept-encoding': 'gzip' });
    expect(br.headers).toMatchObject({ 'content-encoding': 'br', etag: `${TAG.slice(0, -1)}-br"` });
    expect(gzip.headers).toMatchObject({ 'content-encoding': 'gzip', etag: `${TAG.slice(0, -1)}-gzip"` });
    expect(brotliDecompressSync(br.rawPayload).toString()).toBe(BODY);
    expect(gunzipSync(gzip.rawPayload).toString()).toBe(BODY);
    expect(br.rawPayload.length).toBeLessThan(BODY.length / 4);
    expect(Number(br.headers['content-length'])).toBe(br.rawPayload.length);
  });
});

describe('Accept-Encoding: the highest weight wins, ties go to br, then gzip, then identity', () => {
  it.each([
    ['gzip, deflate, br', 'br'],
    ['gzip', 'gzip'],
    ['x-gzip', 'gzip'],
    ['br;q=0.5, gzip', 'gzip'],
    ['BR;Q=1, gzip;q=0.9', 'br'],
    ['*', 'br'],
    ['br;q=0, *', 'gzip'],
    ['deflate', undefined],
    ['br;q=0', undefined],
    ['identity', undefined],
    ['br;q=0.5, identity', undefined],
    ['identity;q=0, gzip;q=0.1', 'gzip'],
    ['br;q=2', undefined],
    ['br;q=abc, gzip;q=0.5, identity;q=0.1', 'gzip'],
    ['gzip;q=0.001', undefined],
    ['', undefined],
  ])('%j → %s', async (header, coding) => {
    const res = await get('/kept', { 'accept-encoding': header });
    expect(res.headers['content-encoding']).toBe(coding);
    expect(res.headers.etag).toBe(coding ? `${TAG.slice(0, -1)}-${coding}"` : TAG);
  });

  it('a body sent uncompressed (not kept, or small) stays identity whatever is accepted', async () => {
    for (const url of ['/uncompressed', '/small'])
      expect((await get(url, { 'accept-encoding': 'br, gzip' })).headers['content-encoding']).toBeUndefined();
  });
});

describe('If-None-Match → 304', () => {
  it.each([
    ['the tag itself', TAG],
    ['*', '*'],
    ['a list holding it', `"other", ${TAG} , "more"`],
    ['its weak form (weak comparison)', `W/${TAG}`],
    ['a list of weak tags', `W/"x", W/${TAG}`],
  ])('%s: 304 with ETag, Cache-Control and Vary, no body', async (_, header) => {
    for (const url of ['/kept', '/uncompressed']) {
      const res = await get(url, { 'if-none-match': header });
      expect(res.statusCode).toBe(304);
      expect(res.rawPayload.length).toBe(0);
      expect(res.headers).toMatchObject({ etag: TAG, 'cache-control': 'no-cache', vary: 'Accept-Encoding' });
      expect(res.headers['content-length']).toBeUndefined();
      expect(res.headers['content-encoding']).toBeUndefined();
    }
  });

  it.each([
    ['another tag', '"other"'],
    ['a list without it', '"a", W/"b"'],
    ['the tag unquoted', TAG.slice(1, -1)],
    ['a prefix of it', `${TAG.slice(0, -2)}"`],
  ])('%s: 200 with the body', async (_, header) => {
    const res = await get('/kept', { 'if-none-match': header });
    expect(res.statusCode).toBe(200);
    expect(res.rawPayload.toString()).toBe(BODY);
  });

  it('compared with the form that would be sent: the br tag matches a br request, not an identity one', async () => {
    const brTag = `${TAG.slice(0, -1)}-br"`;
    const br = await get('/kept', { 'accept-encoding': 'br', 'if-none-match': brTag });
    expect(br.statusCode).toBe(304);
    expect(br.headers).toMatchObject({ etag: brTag, vary: 'Accept-Encoding' });
    expect((await get('/kept', { 'if-none-match': brTag })).statusCode).toBe(200);
    expect((await get('/kept', { 'accept-encoding': 'br', 'if-none-match': TAG })).statusCode).toBe(200);
    // A cache holding both forms may send both tags.
    expect(
      (await get('/kept', { 'accept-encoding': 'gzip', 'if-none-match': `${TAG}, W/${brTag}` })).statusCode,
    ).toBe(200);
  });

  it('HEAD answers like GET without the body', async () => {
    const head = await app.inject({ method: 'HEAD', url: '/kept', headers: { 'accept-encoding': 'gzip' } });
    expect(head.statusCode).toBe(200);
    expect(head.rawPayload.length).toBe(0);
    expect(head.headers).toMatchObject({ etag: `${TAG.slice(0, -1)}-gzip"`, 'content-encoding': 'gzip' });
    const conditional = await app.inject({ method: 'HEAD', url: '/kept', headers: { 'if-none-match': TAG } });
    expect(conditional.statusCode).toBe(304);
  });

  it('noneMatch: absent field never matches', () => {
    expect(noneMatch(undefined, TAG)).toBe(false);
    expect(noneMatch(' * ', TAG)).toBe(true);
  });
});
