import { once } from 'node:events';
import net from 'node:net';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeWithin } from '../../src/http/drain.js';
import { testApp } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

/**
 * Shutdown (docs/api.md, "Connection limits"): in-flight requests may finish within the shutdown timeout; a
 * request still running then has its connection closed and the close completes. On the production app, through
 * real sockets (app.inject has none to close).
 */

/** Far above anything these steps take: a deadline for a hang, not a measurement. */
const DEADLINE_MS = 30_000;

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.drop();
});

function withDeadline<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} within ${DEADLINE_MS} ms`)), DEADLINE_MS);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** A promise and its resolve (Promise.withResolvers needs Node 22). */
function signal(): { promise: Promise<void>; resolve: () => void } {
  let resolve: () => void = () => {};
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** A logger whose lines the test reads. */
function recordingLogger() {
  const lines: Array<{ level: number; msg: string }> = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  return { lines, logger: pino({ level: 'info' }, sink) };
}

/**
 * The production app with one more route, whose handler signals its arrival and answers when `answer` does;
 * `closing` resolves when the app starts to close.
 */
async function appWithRoute(answer: () => Promise<string>) {
  const app: FastifyInstance = await testApp(db.pool);
  const { promise: arrived, resolve: arrive } = signal();
  const { promise: closing, resolve: close } = signal();
  app.get('/test/held', async () => {
    arrive();
    return answer();
  });
  app.addHook('preClose', (done) => {
    close();
    done();
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  return { app, arrived, closing, port: (app.server.address() as net.AddressInfo).port };
}

/** Sends a keep-alive GET on a raw socket; `closed` resolves with everything received once the socket closes. */
function rawGet(port: number, path: string) {
  const socket = net.connect(port, '127.0.0.1', () =>
    socket.write(`GET ${path} HTTP/1.1\r\nHost: kgdb\r\nConnection: keep-alive\r\n\r\n`),
  );
  let received = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    received += chunk;
  });
  socket.on('error', () => {
    // A reset still ends in 'close'.
  });
  return { closed: once(socket, 'close').then(() => received) };
}

describe('closeWithin', () => {
  it('closes the connection of a request still running at the timeout, and the close completes', async () => {
    const { app, arrived, port } = await appWithRoute(() => new Promise<string>(() => {}));
    const request = rawGet(port, '/test/held');
    await withDeadline(arrived, 'the request reached its handler');
    const { lines, logger } = recordingLogger();

    await withDeadline(closeWithin(app, 200, logger), 'the close completed');

    expect(await withDeadline(request.closed, 'the stuck request’s socket was closed')).toBe('');
    expect(lines.map((line) => line.msg)).toEqual([
      'requests still running at the shutdown timeout: closing their connections',
    ]);
  });

  it('lets an in-flight request finish within the timeout, and closes its keep-alive connection after', async () => {
    const { promise: release, resolve: releaseIt } = signal();
    const { app, arrived, closing, port } = await appWithRoute(async () => {
      await release;
      return 'done';
    });
    const request = rawGet(port, '/test/held');
    await withDeadline(arrived, 'the request reached its handler');
    const { lines, logger } = recordingLogger();

    // A timeout no test outlives: the close waits for the request, not for the clock.
    const closed = closeWithin(app, 3_600_000, logger);
    // The request answers only once the close has begun.
    await withDeadline(closing, 'the close began');
    releaseIt();
    await withDeadline(closed, 'the close completed');

    const received = await withDeadline(request.closed, 'the connection was closed');
    expect(received.split('\r\n')[0]).toBe('HTTP/1.1 200 OK');
    expect(received).toMatch(/\r\nconnection: close\r\n/i);
    expect(received.endsWith('done')).toBe(true);
    expect(lines).toEqual([]);
  });
});
