import net from 'node:net';

/** A failed listen on host:port as a person reads it: what is wrong and which setting (HOST, PORT) to change. */
export function listenError(raw: unknown, host: string, port: number): Error {
  const code = (raw as NodeJS.ErrnoException | undefined)?.code;
  const where = `Cannot listen on ${host}:${port}`;
  const why =
    code === 'EADDRINUSE'
      ? 'the port is already in use: stop what holds it, or choose another with PORT (or HOST)'
      : code === 'EACCES'
        ? 'permission denied (ports below 1024 need privileges): set PORT to 1024 or above'
        : code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EAI_AGAIN'
          ? `'${host}' is not an address of this machine: set HOST (127.0.0.1, 0.0.0.0 for all interfaces, …)`
          : `${code ?? (raw as Error | undefined)?.message}: check HOST and PORT`;
  return new Error(`${where}: ${why}`, { cause: raw });
}

/**
 * Binds host:port and lets go at once, so a taken port fails the start before minutes of migrating and seeding
 * instead of after. Another process may still take the port before the real listen; that one fails as usual.
 */
export async function checkCanListen(host: string, port: number): Promise<void> {
  const probe = net.createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      probe.once('error', reject);
      probe.listen({ host, port }, resolve);
    });
  } catch (raw) {
    throw listenError(raw, host, port);
  }
  await new Promise<void>((resolve) => probe.close(() => resolve()));
}
