import { closeRedis, createRedis, type RedisClient } from '../../shared/redis/redis-connection';
import path from 'node:path';
import { startDaemon, type Daemon } from './daemon';

/** A redis-server on a loopback port, keeping nothing on disk unless asked. */
export interface RedisServer {
  port: number;
  address: string;
  daemon: Daemon;
}

/** Settings every server of a local topology shares: loopback only, no snapshots, quick replica syncs. */
const COMMON = ['--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--repl-diskless-sync', 'yes', '--repl-diskless-sync-delay', '0'];

/** Starts `redis-server` (Debian's) on `port` in `dir`, with `extra` arguments. */
export function startRedisServer(dir: string, port: number, extra: string[] = [], password?: string): RedisServer {
  const auth = password === undefined ? [] : ['--requirepass', password, '--masterauth', password];
  const daemon = startDaemon(
    `redis-${port}`,
    'redis-server',
    ['--port', String(port), '--dir', dir, '--dbfilename', `dump-${port}.rdb`, ...COMMON, ...auth, ...extra],
    path.join(dir, `redis-${port}.log`),
  );
  return { port, address: `127.0.0.1:${port}`, daemon };
}

/** Connections to local servers by port, made once each (fail fast), closed together. */
export function serverConnections(): { connect: (port: number) => RedisClient; closeAll: () => Promise<void> } {
  const connections = new Map<number, RedisClient>();
  return {
    connect: (port) => {
      let client = connections.get(port);
      if (!client) {
        client = createRedis({ kind: 'server', url: `redis://127.0.0.1:${port}` }, 'request', 'checkout-topology');
        client.on('error', () => undefined);
        connections.set(port, client);
      }
      return client;
    },
    closeAll: async () => {
      await Promise.all([...connections.values()].map(closeRedis));
    },
  };
}
