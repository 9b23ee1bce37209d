import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app/build-app.js';
import type { Composition } from '../../src/app/compose.js';
import { createRequestLogWriter, type RequestLogWriter } from '../../src/logs/request-log/request-log.js';
import { composeTestApp } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

// docs/api.md, "Response headers": every response says its request id in X-Request-Id; a caller's well-formed
// id is kept (and is the id of the log lines and the request-log row), a malformed one silently replaced.

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

let db: TestDatabase;
let composition: Composition;
let app: FastifyInstance;
let writer: RequestLogWriter;
/** The JSON log lines the app wrote. */
const logLines: Array<{ reqId?: string; msg?: string }> = [];

beforeAll(async () => {
  db = await createTestDatabase();
  composition = await composeTestApp(db.pool);
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logLines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  // Rows appear only when the test flushes.
  writer = createRequestLogWriter({ db: db.pool, flushIntervalMs: 3_600_000 });
  app = await buildApp({
    ...composition.parts,
    logger: pino({ level: 'info' }, sink),
    requestLog: writer,
  });
});
afterAll(async () => {
  await app?.close();
  await composition?.app.close();
  await db?.drop();
});

const get = (url: string, requestId?: string) =>
  app.inject({ method: 'GET', url, headers: requestId === undefined ? {} : { 'x-request-id': requestId } });

describe('X-Request-Id', () => {
  it("echoes the caller's well-formed id on every kind of answer", async () => {
    const cases = [
      ['/health', 200],
      ['/api/genes/?page[size]=5', 200],
      ['/api/genes/NO_SUCH_GENE', 404],
      ['/no/such/route', 404],
      ['/api/genes/?page[size]=0', 400],
      ['/api/genes/%E0%A4%A', 400], // a malformed URL: answered before any hook runs
      ['/api/admin/logs/', 401],
    ] as const;
    for (const [url, status] of cases) {
      const id = `case-${status}.${url.length}`;
      const res = await get(url, id);
      expect(res.statusCode, url).toBe(status);
      expect(res.headers['x-request-id'], url).toBe(id);
    }
  });

  it('generates a UUID when the caller sends none or a malformed one, and never fails for it', async () => {
    const none = await get('/health');
    expect(none.headers['x-request-id']).toMatch(UUID);
    for (const bad of ['has space', 'x'.repeat(129), '<script>', 'a,b']) {
      const res = await get('/health', bad);
      expect(res.statusCode).toBe(200);
      expect(res.headers['x-request-id']).toMatch(UUID);
    }
    const repeated = await app.inject({
      method: 'GET',
      url: '/health',
      headers: { 'x-request-id': ['one', 'two'] },
    });
    expect(repeated.headers['x-request-id']).toMatch(UUID);
  });

  it("is the id of the request's log lines and of its request-log row", async () => {
    const res = await get('/no/such/path?x=1', 'corr:row-1');
    expect(res.headers['x-request-id']).toBe('corr:row-1');
    const generated = String((await get('/no/such/path', 'not ok')).headers['x-request-id']);

    const lines = logLines.filter((line) => line.reqId === 'corr:row-1');
    expect(lines.map((line) => line.msg)).toContain('request completed');

    await writer.flush();
    const { rows } = await db.pool.query<{ request_id: string; path: string; status_code: number }>(
      `select request_id, path, status_code from system_logs
        where logger = 'kgdb.request' and request_id = any($1) order by id`,
      [['corr:row-1', generated]],
    );
    expect(rows).toEqual([
      { request_id: 'corr:row-1', path: '/no/such/path', status_code: 404 },
      { request_id: generated, path: '/no/such/path', status_code: 404 },
    ]);
  });
});
