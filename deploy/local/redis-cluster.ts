import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { waitFor } from './wait-for';
import type { HostPort } from '../../shared/redis/redis-topology';
import { tolerant, workDirectory } from './daemon';
import { freePorts } from './free-ports';
import { serverConnections, startRedisServer, type RedisServer } from './redis-server';

const execFileAsync = promisify(execFile);
/** Redis Cluster's bus listens at port + 10000. */
const BUS_OFFSET = 10_000;

export interface RedisClusterOptions {
  /** Masters, each serving a share of the slots (3). */
  masters?: number;
  /** Replicas per master (1). */
  replicasPerMaster?: number;
  /** How long a node may not answer before it is failed over (2 s). */
  nodeTimeoutMs?: number;
}

/** A Redis Cluster on loopback ports. */
export interface RedisCluster {
  /** What the service is started with: REDIS_CLUSTER_NODES. */
  env: Record<string, string>;
  /** The master serving `key`'s hash slot now. */
  masterOf: (key: string) => Promise<HostPort>;
  /** SIGKILLs the master serving `key`'s slot; returns the address it had. */
  killMasterOf: (key: string) => Promise<HostPort>;
  /** Waits until another node serves `key`'s slot than `old` and the cluster is whole again; returns it. */
  failedOver: (key: string, old: HostPort, timeoutMs?: number) => Promise<HostPort>;
  /** Stops every node this cluster started (by PID) and removes its files. */
  stop: () => Promise<void>;
}

/**
 * Starts a Redis Cluster from Debian's redis-server, joined with
 * `redis-cli --cluster create`; resolves once every node reports
 * `cluster_state:ok` and knows every other node.
 */
export async function startRedisCluster(options: RedisClusterOptions = {}): Promise<RedisCluster> {
  const { masters = 3, replicasPerMaster = 1, nodeTimeoutMs = 2_000 } = options;
  const dir = workDirectory('checkout-cluster');
  const ports = await freePorts(masters * (1 + replicasPerMaster), { alsoFree: [BUS_OFFSET] });
  const nodes = new Map<number, RedisServer>();
  const { connect, closeAll } = serverConnections();
  const stop = async () => {
    await closeAll();
    await Promise.all([...nodes.values()].map((node) => node.daemon.stop('SIGKILL')));
    dir.remove();
  };
  const alive = () => [...nodes.values()].filter((node) => node.daemon.alive());
  const clusterOk = tolerant(async () => {
    for (const node of alive()) {
      const info = await connect(node.port).call('CLUSTER', 'INFO');
      if (!/cluster_state:ok/.test(String(info))) return false;
    }
    return true;
  });

  try {
    for (const port of ports) {
      const node = startRedisServer(dir.path, port, [
        '--cluster-enabled', 'yes',
        '--cluster-config-file', `nodes-${port}.conf`,
        '--cluster-node-timeout', String(nodeTimeoutMs),
      ]);
      nodes.set(port, node);
    }
    await waitFor('every node answering', tolerant(async () => (await Promise.all(ports.map((port) => connect(port).ping()))).length > 0), {
      timeoutMs: 20_000,
      intervalMs: 100,
    });
    await execFileAsync(
      'redis-cli',
      ['--cluster', 'create', ...ports.map((port) => `127.0.0.1:${port}`), '--cluster-replicas', String(replicasPerMaster), '--cluster-yes'],
      { timeout: 60_000 },
    );
    await waitFor(
      'every node knowing the whole cluster',
      tolerant(async () => {
        for (const port of ports) {
          const info = String(await connect(port).call('CLUSTER', 'INFO'));
          if (!info.includes('cluster_state:ok') || !info.includes(`cluster_known_nodes:${ports.length}`)) return false;
        }
        return true;
      }),
      { timeoutMs: 30_000, intervalMs: 200 },
    );

    const masterOf = async (key: string): Promise<HostPort> => {
      for (const node of alive()) {
        try {
          const slot = Number(await connect(node.port).call('CLUSTER', 'KEYSLOT', key));
          const ranges = (await connect(node.port).call('CLUSTER', 'SLOTS')) as Array<[number, number, [string, number, ...unknown[]], ...unknown[]]>;
          const range = ranges.find(([from, to]) => slot >= from && slot <= to);
          if (range) return { host: range[2][0], port: Number(range[2][1]) };
        } catch {
          // that node is down or failing over: ask another
        }
      }
      throw new Error(`no node serves the slot of ${key}`);
    };
    return {
      env: { REDIS_CLUSTER_NODES: ports.map((port) => `127.0.0.1:${port}`).join(',') },
      masterOf,
      killMasterOf: async (key) => {
        const master = await masterOf(key);
        await nodes.get(master.port)!.daemon.stop('SIGKILL');
        return master;
      },
      failedOver: (key, old, timeoutMs = 30_000) =>
        waitFor(
          `another master for the slot of ${key} than ${old.host}:${old.port}`,
          tolerant(async () => {
            const now = await masterOf(key);
            return now.port !== old.port && (await clusterOk()) && now;
          }),
          { timeoutMs, intervalMs: 100 },
        ),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
