import { once } from 'node:events';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../../src/app/serve.js';
import { loadConfig } from '../../src/config.js';
import { checkCanListen, listenError } from '../../src/http/listen-check.js';
import { createLogger } from '../../src/logger.js';
import { silentProgress } from '../../src/progress.js';

// `kgdb serve` on a port already taken fails at once with a message naming the address and PORT/HOST, before
// it opens the database (a first start would otherwise migrate and seed for about a minute first).

const errno = (code: string) => Object.assign(new Error(`listen ${code}`), { code });

/** A TCP server on 127.0.0.1 that counts the connections it receives; `port` is its own. */
async function listening(): Promise<{ server: net.Server; port: number; connections: () => number }> {
  let connections = 0;
  const server = net.createServer((socket) => {
    connections += 1;
    socket.destroy();
  });
  server.listen({ host: '127.0.0.1', port: 0 });
  await once(server, 'listening');
  return { server, port: (server.address() as net.AddressInfo).port, connections: () => connections };
}

let occupant: Awaited<ReturnType<typeof listening>>;
/** Stands in for PostgreSQL: any database work would connect to it. */
let database: Awaited<ReturnType<typeof listening>>;

beforeAll(async () => {
  occupant = await listening();
  database = await listening();
});
afterAll(async () => {
  occupant?.server.close();
  database?.server.close();
});

describe('listenError', () => {
  it('says what is wrong with HOST:PORT and which setting to change', () => {
    expect(listenError(errno('EADDRINUSE'), '127.0.0.1', 8000).message).toBe(
      'Cannot listen on 127.0.0.1:8000: the port is already in use: stop what holds it, or choose another with PORT (or HOST)',
    );
    expect(listenError(errno('EACCES'), '0.0.0.0', 80).message).toBe(
      'Cannot listen on 0.0.0.0:80: permission denied (ports below 1024 need privileges): set PORT to 1024 or above',
    );
    for (const code of ['EADDRNOTAVAIL', 'ENOTFOUND', 'EAI_AGAIN'])
      expect(listenError(errno(code), '10.9.9.9', 8000).message).toBe(
        "Cannot listen on 10.9.9.9:8000: '10.9.9.9' is not an address of this machine: set HOST (127.0.0.1, 0.0.0.0 for all interfaces, …)",
      );
    expect(listenError(errno('EMFILE'), 'h', 1).message).toBe(
      'Cannot listen on h:1: EMFILE: check HOST and PORT',
    );
    expect(listenError(errno('EADDRINUSE'), 'h', 1).cause).toMatchObject({ code: 'EADDRINUSE' });
  });
});

describe('checkCanListen', () => {
  it('rejects a port in use with the clear error', async () => {
    await expect(checkCanListen('127.0.0.1', occupant.port)).rejects.toThrow(
      `Cannot listen on 127.0.0.1:${occupant.port}: the port is already in use`,
    );
  });

  it('lets go of a free port: it can be listened on right after', async () => {
    const free = await listening();
    const { port } = free;
    free.server.close();
    await once(free.server, 'close');
    await checkCanListen('127.0.0.1', port);
    const again = net.createServer().listen({ host: '127.0.0.1', port });
    await once(again, 'listening');
    again.close();
  });
});

describe('startServer', () => {
  it('fails on a taken port before any database work', async () => {
    const config = {
      ...loadConfig({
        DATABASE_URL: `postgres://kgdb@127.0.0.1:${database.port}/kgdb`,
        KGDB_SEED_DEMO: 'false',
      }),
      port: occupant.port,
    };
    await expect(startServer(config, createLogger('silent'), silentProgress)).rejects.toThrow(
      `Cannot listen on 127.0.0.1:${occupant.port}: the port is already in use`,
    );
    expect(database.connections()).toBe(0);
  });
});
