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
