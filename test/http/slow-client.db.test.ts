import net from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HTTP_TIMEOUTS } from '../../src/http/http-timeouts.js';
import { testApp } from '../helpers/app.js';
import { createTestDatabase, type TestDatabase } from '../helpers/db.js';

/**
 * Slow clients (slowloris): a request whose headers or body never finish is answered 408 and its connection
 * closed once the request timeout has passed, instead of holding a socket forever. Against a real listening
 * server, through raw sockets: app.inject has no socket to time out.
 */

/** Far above the 10 s request timeout plus Node's 1 s check interval: a deadline, not a measurement. */
const DEADLINE_MS = 30_000;

let db: TestDatabase;
let app: FastifyInstance;
let port: number;

beforeAll(async () => {
  db = await createTestDatabase();
  app = await testApp(db.pool);
  await app.listen({ host: '127.0.0.1', port: 0 });
  port = (app.server.address() as net.AddressInfo).port;
});
afterAll(async () => {
  await app?.close();
  await db?.drop();
});

/**
 * Sends `head` (and never the rest), then resolves with everything the server sent once it closes the socket.
 */
function sendUnfinished(head: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(head));
    let response = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the server kept the unfinished request open for ${DEADLINE_MS} ms`));
    }, DEADLINE_MS);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      response += chunk;
    });
    socket.on('error', () => {
      // A reset after the 408 still ends the wait below through 'close'.
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(response);
    });
  });
}

const statusLine = (response: string) => response.split('\r\n')[0];

describe('slow clients', () => {
  it('the request timeout is 10 s, checked every second; headers have no longer', () => {
    expect(HTTP_TIMEOUTS.requestTimeout).toBe(10_000);
    expect(app.server.requestTimeout).toBe(10_000);
    expect(app.server.headersTimeout).toBe(10_000);
    expect(app.server.keepAliveTimeout).toBe(72_000);
  });

  // The cases run side by side: each waits out the same 10 s.
  describe.concurrent('an unfinished request is answered 408 and closed', () => {
    it('a body shorter than its Content-Length (100 announced, 2 sent)', async () => {
      const response = await sendUnfinished(
        'POST /api/auth/login HTTP/1.1\r\nHost: kgdb\r\nContent-Type: application/json\r\n' +
          'Content-Length: 100\r\n\r\n{"',
      );
      expect(statusLine(response)).toBe('HTTP/1.1 408 Request Timeout');
    });

    it('a chunked login body without its last chunk', async () => {
      const response = await sendUnfinished(
        'POST /api/auth/login HTTP/1.1\r\nHost: kgdb\r\nContent-Type: application/x-www-form-urlencoded\r\n' +
          'Transfer-Encoding: chunked\r\n\r\n9\r\nusername=\r\n',
      );
      expect(statusLine(response)).toBe('HTTP/1.1 408 Request Timeout');
    });

    it('headers that never end', async () => {
      const response = await sendUnfinished('GET /api/genes/ HTTP/1.1\r\nHost: kgdb\r\nX-Slow: 1\r\n');
      expect(statusLine(response)).toBe('HTTP/1.1 408 Request Timeout');
    });

    it('a connection that sends nothing', async () => {
      const response = await sendUnfinished('');
      expect(statusLine(response)).toBe('HTTP/1.1 408 Request Timeout');
    });
  });

  it('a complete request on the same server is answered as usual', async () => {
    const res = await fetch(`http://127.0.0.1:${port}/health`);
    expect(res.status).toBe(200);
  });
});
