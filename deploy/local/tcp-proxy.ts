import net from 'node:net';
import { Transform } from 'node:stream';

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
  /**
   * The next message a client sends that matches `pattern` (e.g. /COMMIT/) still reaches the server, which answers;
   * the answer is dropped and the client's connection reset: a commit that was made but whose answer never came.
   * Resolves when that has happened.
   */
  loseAnswerTo: (pattern: RegExp) => Promise<void>;
  /** While refusing, every new connection is reset at once: the server looks down. `false` forwards again. */
  refuse: (refusing: boolean) => void;
  close: () => Promise<void>;
}

export interface Address {
  host: string;
  port: number;
}

/**
 * Forwards connections to `target` — an address, or a function asked for one at each new connection (to follow a
 * server that moves, as a load balancer checking each server's role does); it listens on `listenHost` (127.0.0.1, or
 * an address a test host reaches the machine at).
 */
export async function startTcpProxy(
  target: Address | (() => Promise<Address>),
  { listenHost = '127.0.0.1' }: { listenHost?: string } = {},
): Promise<TcpProxy> {
  type Pair = { client: net.Socket; upstream: net.Socket; tap: Transform };
  let armed: { pattern: RegExp; done: () => void } | undefined;
  const pairs = new Set<Pair>();
  const cut = ({ client, upstream }: Pair) => {
    client.resetAndDestroy();
    upstream.resetAndDestroy();
  };
  const blackHole = ({ client, upstream, tap }: Pair) => {
    client.unpipe(tap);
    upstream.unpipe(client);
    client.pause();
    upstream.pause();
  };
  let refusing = false;
  const server = net.createServer(async (client) => {
    if (refusing) {
      client.resetAndDestroy();
      return;
    }
    client.on('error', () => undefined);
    const address = typeof target === 'function' ? await target().catch(() => undefined) : target;
    if (!address || client.destroyed) {
      client.resetAndDestroy();
      return;
    }
    const upstream = net.connect(address.port, address.host);
    const tap = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        const trap = armed;
        if (!trap || !trap.pattern.test(chunk.toString('latin1'))) return callback(null, chunk);
        armed = undefined;
        // the server gets the message and answers; the client never gets the answer
        upstream.unpipe(client);
        const lose = () => {
          clearTimeout(noAnswer);
          client.resetAndDestroy();
          upstream.destroy();
          trap.done();
        };
        // a server that never answers: the client's connection is reset all the same
        const noAnswer = setTimeout(lose, 5_000);
        upstream.once('data', lose);
        upstream.write(chunk);
        callback();
      },
    });
    const pair = { client, upstream, tap };
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
    client.pipe(tap).pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, listenHost, resolve));
  const { port } = server.address() as net.AddressInfo;

  return {
    port,
    via: (url) => {
      const proxied = new URL(url);
      proxied.hostname = listenHost;
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
    loseAnswerTo: (pattern) =>
      new Promise<void>((resolve) => {
        armed = { pattern, done: resolve };
      }),
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
