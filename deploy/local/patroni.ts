import { chownSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { waitFor } from './wait-for';
import { startDaemon, tolerant, userIds, workDirectory, type Daemon, type TopologyRecord } from './daemon';
import { freePorts } from './free-ports';

/** Where Debian puts PostgreSQL 15's programs. */
const PG_BIN = '/usr/lib/postgresql/15/bin';

export interface PatroniOptions {
  /** PostgreSQL nodes (2). */
  nodes?: number;
  /** Patroni's leader-key TTL in seconds (10): how long a dead primary holds the leader key. */
  ttl?: number;
  /** Patroni's loop interval in seconds (2). */
  loopWait?: number;
}

/** One Patroni-managed PostgreSQL. */
export interface PatroniNode {
  name: string;
  pgPort: number;
  restPort: number;
  patroni: Daemon;
  dataDir: string;
}

/** A Patroni cluster behind HAProxy, on loopback ports. */
export interface PatroniCluster {
  /** `postgres://postgres@127.0.0.1:<haproxy>/<database>`: always the primary, through HAProxy's /primary check. */
  url: (database: string) => string;
  nodes: PatroniNode[];
  /** The node Patroni names leader now. */
  primary: () => Promise<PatroniNode>;
  /** SIGKILLs the primary's Patroni and its postmaster (a host that died). Returns the node. */
  killPrimary: () => Promise<PatroniNode>;
  /** Waits until another node than `old` is primary and answers writes through HAProxy; returns it. */
  promoted: (old: PatroniNode, timeoutMs?: number) => Promise<PatroniNode>;
  /** Files the cluster runs with (patroni-<node>.yml, haproxy.cfg): the tested examples in the docs. */
  configFiles: string[];
  stop: () => Promise<void>;
  /** Its processes and files, for stopping it from another process (postmasters are found in the data directories). */
  record: () => TopologyRecord;
}

/**
 * The HAProxy configuration that sends clients to the primary only: a
 * server is up while Patroni's REST API answers 200 on /primary, checked
 * every second; connections to a server marked down are cut at once, so
 * clients reconnect to the new primary instead of hanging on the old one.
 */
export function haproxyConfig({
  port,
  nodes,
  bind = '127.0.0.1',
}: {
  port: number;
  nodes: Array<{ name: string; pgPort: number; restPort: number; host?: string }>;
  bind?: string;
}): string {
  return [
    'global',
    '  maxconn 2000',
    'defaults',
    '  mode tcp',
    '  timeout connect 2s',
    '  timeout client 30m',
    '  timeout server 30m',
    '  timeout check 2s',
    'listen primary',
    `  bind ${bind}:${port}`,
    '  option httpchk OPTIONS /primary',
    '  http-check expect status 200',
    '  default-server inter 1s fall 2 rise 1 on-marked-down shutdown-sessions',
    ...nodes.map((node) => `  server ${node.name} ${node.host ?? '127.0.0.1'}:${node.pgPort} maxconn 1000 check port ${node.restPort}`),
    '',
  ].join('\n');
}

/**
 * A Patroni node's configuration: etcd3, synchronous replication, pg_rewind.
 * `trust` on loopback for a test cluster; `scram-sha-256` elsewhere, with the
 * passwords from Patroni's environment (PATRONI_SUPERUSER_PASSWORD,
 * PATRONI_REPLICATION_PASSWORD), never in the file.
 */
export function patroniConfig({
  scope,
  node,
  etcdHosts,
  ttl,
  loopWait,
  dir,
  host = '127.0.0.1',
  network = '127.0.0.1/32',
  auth = 'trust',
}: {
  scope: string;
  node: Pick<PatroniNode, 'name' | 'pgPort' | 'restPort' | 'dataDir'>;
  etcdHosts: string;
  ttl: number;
  loopWait: number;
  dir: string;
  /** The address this node listens on and is reached at. */
  host?: string;
  /** Where clients and the other nodes connect from (pg_hba). */
  network?: string;
  auth?: 'trust' | 'scram-sha-256';
}): string {
  return `scope: ${scope}
name: ${node.name}
restapi:
  listen: ${host}:${node.restPort}
  connect_address: ${host}:${node.restPort}
etcd3:
  hosts: ${etcdHosts}
bootstrap:
  dcs:
    ttl: ${ttl}
    loop_wait: ${loopWait}
    retry_timeout: ${Math.max(2, ttl - loopWait - 2)}
    maximum_lag_on_failover: 1048576
    synchronous_mode: true
    postgresql:
      use_pg_rewind: true
      parameters:
        max_connections: 200
        wal_level: replica
        hot_standby: 'on'
        max_wal_senders: 10
        max_replication_slots: 10
        wal_log_hints: 'on'
  initdb:
    - encoding: UTF8
    - auth-host: ${auth}
    - auth-local: ${auth === 'trust' ? 'trust' : 'peer'}
  pg_hba:
    - local all all ${auth === 'trust' ? 'trust' : 'peer'}
    - host all all ${network} ${auth}
    - host replication all ${network} ${auth}
postgresql:
  listen: ${host}:${node.pgPort}
  connect_address: ${host}:${node.pgPort}
  data_dir: ${node.dataDir}
  bin_dir: ${PG_BIN}
  pgpass: ${path.join(dir, `pgpass-${node.name}`)}
  authentication:
    replication:
      username: postgres
    superuser:
      username: postgres
    rewind:
      username: postgres
  parameters:
    unix_socket_directories: '${dir}'
tags:
  nofailover: false
  noloadbalance: false
`;
}

/**
 * Starts etcd (one member), `nodes` PostgreSQL 15 servers under Patroni
 * (run as the `postgres` user: neither runs as root) in synchronous mode,
 * and HAProxy routing to the primary by Patroni's /primary check, all from
 * Debian's packages; resolves once the primary answers through HAProxy five
 * times in a row and a synchronous standby is streaming.
 */
export async function startPatroniCluster(options: PatroniOptions = {}): Promise<PatroniCluster> {
  const { nodes: count = 2, ttl = 10, loopWait = 2 } = options;
  const dir = workDirectory('checkout-patroni');
  const { uid, gid } = userIds('postgres');
  chownSync(dir.path, uid, gid);
  const [etcdClient, etcdPeer, haproxyPort, ...nodePorts] = await freePorts(3 + count * 2);
  const scope = `checkout-${path.basename(dir.path).slice(-6)}`;
  const daemons: Daemon[] = [];
  const nodes: PatroniNode[] = [];
  const configFiles: string[] = [];
  const stop = async () => {
    await Promise.all([...daemons].reverse().map((daemon) => daemon.stop('SIGKILL')));
    // the postmasters outlive a SIGKILLed Patroni: stop them by the PID they wrote
    for (const node of nodes) killPostmaster(node, 'SIGKILL');
    dir.remove();
  };
  try {
    const etcdDir = path.join(dir.path, 'etcd');
    daemons.push(
      startDaemon(
        'etcd',
        'etcd',
        [
          '--name', 'etcd1',
          '--data-dir', etcdDir,
          '--listen-client-urls', `http://127.0.0.1:${etcdClient}`,
          '--advertise-client-urls', `http://127.0.0.1:${etcdClient}`,
          '--listen-peer-urls', `http://127.0.0.1:${etcdPeer}`,
          '--initial-advertise-peer-urls', `http://127.0.0.1:${etcdPeer}`,
          '--initial-cluster', `etcd1=http://127.0.0.1:${etcdPeer}`,
        ],
        path.join(dir.path, 'etcd.log'),
        { user: 'postgres' },
      ),
    );
    await waitFor('etcd to answer', tolerant(async () => (await fetch(`http://127.0.0.1:${etcdClient}/health`)).ok), { timeoutMs: 20_000, intervalMs: 100 });

    for (let i = 0; i < count; i += 1) {
      const name = `pg${i + 1}`;
      const dataDir = path.join(dir.path, name);
      mkdirSync(dataDir, { mode: 0o700 });
      chownSync(dataDir, uid, gid);
      const node = { name, pgPort: nodePorts[i * 2]!, restPort: nodePorts[i * 2 + 1]!, dataDir } as PatroniNode;
      const file = path.join(dir.path, `patroni-${name}.yml`);
      writeFileSync(file, patroniConfig({ scope, node, etcdHosts: `127.0.0.1:${etcdClient}`, ttl, loopWait, dir: dir.path }));
      configFiles.push(file);
      node.patroni = startDaemon(`patroni-${name}`, 'patroni', [file], path.join(dir.path, `patroni-${name}.log`), { user: 'postgres', cwd: dir.path });
      daemons.push(node.patroni);
      nodes.push(node);
      // the first node bootstraps; the others clone it once it leads
      if (i === 0) await waitFor('the first node to lead', tolerant(async () => (await rest(node, '/primary')) === 200), { timeoutMs: 60_000, intervalMs: 250 });
    }

    const haproxyFile = path.join(dir.path, 'haproxy.cfg');
    writeFileSync(haproxyFile, haproxyConfig({ port: haproxyPort!, nodes }));
    configFiles.push(haproxyFile);
    daemons.push(startDaemon('haproxy', 'haproxy', ['-db', '-f', haproxyFile], path.join(dir.path, 'haproxy.log')));

    const url = (database: string) => `postgres://postgres@127.0.0.1:${haproxyPort}/${database}`;
    const primary = async (): Promise<PatroniNode> => {
      for (const node of nodes) if ((await rest(node, '/primary').catch(() => 0)) === 200) return node;
      throw new Error('no primary');
    };
    const answersWrites = tolerant(async () => {
      for (let i = 0; i < 5; i += 1) {
        const client = new Client({ connectionString: url('postgres'), connectionTimeoutMillis: 2_000 });
        client.on('error', () => undefined);
        await client.connect();
        try {
          const { rows } = await client.query<{ recovery: boolean }>('SELECT pg_is_in_recovery() AS recovery');
          if (rows[0]!.recovery) return false;
        } finally {
          await client.end();
        }
      }
      return true;
    });
    await waitFor(
      'the primary through HAProxy and a synchronous standby',
      async () => (await answersWrites()) && (await Promise.all(nodes.map((node) => rest(node, '/sync').catch(() => 0)))).includes(200),
      { timeoutMs: 90_000, intervalMs: 250 },
    ).catch((error: Error) => {
      throw new Error(`${error.message}\n${daemons.map((daemon) => `--- ${daemon.name}\n${daemon.tail(10)}`).join('\n')}`, { cause: error });
    });

    return {
      url,
      nodes,
      primary,
      configFiles,
      killPrimary: async () => {
        const node = await primary();
        await node.patroni.stop('SIGKILL');
        killPostmaster(node, 'SIGKILL');
        return node;
      },
      promoted: (old, timeoutMs = 60_000) =>
        waitFor(
          `a new primary instead of ${old.name}`,
          tolerant(async () => {
            const now = await primary();
            return now !== old && (await answersWrites()) && now;
          }),
          { timeoutMs, intervalMs: 250 },
        ),
      stop,
      record: () => ({ pids: daemons.filter((daemon) => daemon.alive()).map((daemon) => daemon.pid), dirs: [dir.path] }),
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The status Patroni's REST API answers on `path` (200: yes; 503: no). */
async function rest(node: PatroniNode, check: string): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${node.restPort}${check}`, { method: 'GET', signal: AbortSignal.timeout(2_000) });
  await response.arrayBuffer();
  return response.status;
}

/** Signals a node's postmaster by the PID in its data directory (gone already: nothing to do). */
function killPostmaster(node: PatroniNode, signal: NodeJS.Signals): void {
  try {
    const pid = Number(readFileSync(path.join(node.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    if (pid > 0) process.kill(pid, signal);
  } catch {
    // no postmaster (never started, or already stopped)
  }
}
