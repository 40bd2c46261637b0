import net from 'node:net';

/** A TCP forwarder between the service and a server, for faults that come from the network rather than from the server. */
export interface TcpProxy {
  port: number;
  /** `url` with its host and port replaced by the proxy's. */
  via: (url: string) => string;
  /** Connections open through the proxy: forwarded or black-holed. */
  openConnections: () => number;
  /**
   * The connection whose upstream socket has this local port — what
   * PostgreSQL shows as `client_port` in pg_stat_activity, so a test can pick
   * one session (the listener, say) and fault only that one.
   */
  connectionFromPort: (clientPort: number) => { cut: () => void; blackHole: () => void } | undefined;
  /** Resets every open connection (both ends see the socket close). New connections are forwarded. */
  cut: () => void;
  /**
   * Stops forwarding on every open connection but keeps the sockets open: what a
   * NAT or load balancer that silently drops a flow does. Nothing is read or
   * answered any more; no error reaches either end. New connections are forwarded.
   */
  blackHole: () => void;
  /** While refusing, every new connection is reset at once: the server looks down. `false` forwards again. */
  refuse: (refusing: boolean) => void;
  close: () => Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  type Pair = { client: net.Socket; upstream: net.Socket };
  const pairs = new Set<Pair>();
  const cut = ({ client, upstream }: Pair) => {
    client.resetAndDestroy();
    upstream.resetAndDestroy();
  };
  const blackHole = ({ client, upstream }: Pair) => {
    client.unpipe(upstream);
    upstream.unpipe(client);
    client.pause();
    upstream.pause();
  };
  let refusing = false;
  const server = net.createServer((client) => {
    if (refusing) {
      client.resetAndDestroy();
      return;
    }
    const upstream = net.connect(target.port, target.host);
    const pair = { client, upstream };
    pairs.add(pair);
    const close = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    for (const socket of [client, upstream]) {
      socket.on('error', close);
      socket.on('close', close);
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;

  return {
    port,
    via: (url) => {
      const proxied = new URL(url);
      proxied.hostname = '127.0.0.1';
      proxied.port = String(port);
      return proxied.toString();
    },
    openConnections: () => pairs.size,
    connectionFromPort: (clientPort) => {
      const pair = [...pairs].find(({ upstream }) => upstream.localPort === clientPort);
      return pair && { cut: () => cut(pair), blackHole: () => blackHole(pair) };
    },
    cut: () => pairs.forEach(cut),
    blackHole: () => pairs.forEach(blackHole),
    refuse: (on) => {
      refusing = on;
    },
    close: async () => {
      for (const { client, upstream } of pairs) {
        client.destroy();
        upstream.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
