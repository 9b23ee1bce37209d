import net from 'node:net';

/**
 * A TCP proxy on a fixed local port in front of PostgreSQL: a test points a pool at it, then takes the
 * database away from that pool alone (the embedded server takes a new port on every start, so a restart
 * is followed by retargeting the proxy).
 */
export interface TcpProxy {
  port: number;
  /** Forward new connections to this port; null = PostgreSQL is down, reset them. */
  target(port: number | null): void;
  /** Drops every connection and stops listening: new connections are refused, as by a host with no server. */
  close(): Promise<void>;
}

export async function startProxy(initial: number): Promise<TcpProxy> {
  let upstreamPort: number | null = initial;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => {});
    if (upstreamPort === null) return void client.resetAndDestroy();
    const upstream = net.connect(upstreamPort, '127.0.0.1');
    sockets.add(upstream);
    upstream.on('close', () => sockets.delete(upstream));
    // PostgreSQL gone: the client sees a reset, as it would from a host whose server stopped.
    upstream.on('error', () => client.resetAndDestroy());
    upstream.on('end', () => client.end());
    client.on('end', () => upstream.end());
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    target: (port) => {
      upstreamPort = port;
    },
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** `url` with its port replaced by the proxy's. */
export function throughProxy(url: string, proxy: TcpProxy): string {
  const u = new URL(url);
  u.port = String(proxy.port);
  return u.toString();
}
