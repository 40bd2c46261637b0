import { chownSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { waitFor } from './wait-for';
import { startDaemon, tolerant, userIds, workDirectory, type TopologyRecord } from './daemon';
import { freePorts } from './free-ports';

export interface PgBouncerOptions {
  /** The PostgreSQL server it pools for (127.0.0.1:5432). */
  server?: { host: string; port: number };
  /** `transaction` (default) or `session`. */
  poolMode?: 'transaction' | 'session';
  /** Server connections per database and user (20). */
  poolSize?: number;
}

/** A PgBouncer on a loopback port. */
export interface PgBouncer {
  port: number;
  /** `url` (a PostgreSQL URL) with its host and port replaced by the pooler's. */
  via: (url: string) => string;
  /** The configuration file it runs with (also the tested example in the docs). */
  configFile: string;
  /** Stops it (by PID) and removes its files. */
  stop: () => Promise<void>;
  /** Its process and files, for stopping it from another process. */
  record: () => TopologyRecord;
}

/**
 * The pgbouncer.ini a transaction-mode deployment of this service needs:
 * every database of the server, trust or the server's own auth, and no
 * start-up parameters beyond what PgBouncer 1.18 knows (the service sends
 * only `application_name`; node-postgres adds nothing else).
 */
export function pgbouncerIni({
  port,
  server,
  poolMode,
  poolSize,
  dir,
  listenAddress = '127.0.0.1',
  auth = 'trust',
  files = { auth: path.join(dir, 'userlist.txt'), log: path.join(dir, 'pgbouncer.log'), pid: path.join(dir, 'pgbouncer.pid') },
}: {
  port: number;
  server: { host: string; port: number };
  poolMode: string;
  poolSize: number;
  dir: string;
  listenAddress?: string;
  /** `trust` on a test machine's loopback; `scram-sha-256` (users and verifiers in the auth file) anywhere else. */
  auth?: 'trust' | 'scram-sha-256';
  /** Where its auth file, log and PID file are (in `dir` unless given). */
  files?: { auth: string; log: string; pid: string };
}): string {
  return [
    '[databases]',
    `* = host=${server.host} port=${server.port}`,
    '',
    '[pgbouncer]',
    `listen_addr = ${listenAddress}`,
    `listen_port = ${port}`,
    'unix_socket_dir =',
    `auth_type = ${auth}`,
    `auth_file = ${files.auth}`,
    `pool_mode = ${poolMode}`,
    `default_pool_size = ${poolSize}`,
    'max_client_conn = 2000',
    // PostgreSQL's own limit is what protects it; the pooler queues clients beyond its pool
    'max_db_connections = 0',
    'server_reset_query = DISCARD ALL',
    `logfile = ${files.log}`,
    `pidfile = ${files.pid}`,
    '',
  ].join('\n');
}

/**
 * Starts Debian's `pgbouncer` (as the `postgres` user: it will not run as
 * root) in front of a PostgreSQL server; resolves once a query goes through.
 */
export async function startPgBouncer(options: PgBouncerOptions = {}): Promise<PgBouncer> {
  const { server = { host: '127.0.0.1', port: 5432 }, poolMode = 'transaction', poolSize = 20 } = options;
  const dir = workDirectory('checkout-pgbouncer');
  const [port] = await freePorts(1);
  const configFile = path.join(dir.path, 'pgbouncer.ini');
  writeFileSync(configFile, pgbouncerIni({ port: port!, server, poolMode, poolSize, dir: dir.path }));
  writeFileSync(path.join(dir.path, 'userlist.txt'), '"postgres" ""\n');
  const { uid, gid } = userIds('postgres');
  chownSync(dir.path, uid, gid);
  const daemon = startDaemon('pgbouncer', 'pgbouncer', [configFile], path.join(dir.path, 'pgbouncer.out'), { user: 'postgres' });
  const stop = async () => {
    await daemon.stop('SIGINT');
    dir.remove();
  };
  const via = (url: string) => {
    const pooled = new URL(url);
    pooled.hostname = '127.0.0.1';
    pooled.port = String(port);
    return pooled.toString();
  };
  try {
    await waitFor(
      'PgBouncer to pass a query through',
      tolerant(async () => {
        const client = new Client({ connectionString: via(`postgres://postgres@${server.host}:${server.port}/postgres`) });
        client.on('error', () => undefined);
        await client.connect();
        try {
          return (await client.query('SELECT 1')).rowCount === 1;
        } finally {
          await client.end();
        }
      }),
      { timeoutMs: 20_000, intervalMs: 100 },
    );
  } catch (error) {
    await stop();
    throw new Error(`${(error as Error).message}\n${daemon.tail()}`, { cause: error });
  }
  return { port: port!, via, configFile, stop, record: () => ({ pids: daemon.alive() ? [daemon.pid] : [], dirs: [dir.path] }) };
}
