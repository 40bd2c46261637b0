import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { waitFor } from './wait-for';
import type { RedisClient } from '../../shared/redis/redis-connection';
import type { HostPort } from '../../shared/redis/redis-topology';
import { startDaemon, tolerant, workDirectory, type Daemon, type TopologyRecord } from './daemon';
import { freePorts } from './free-ports';
import { serverConnections, startRedisServer, type RedisServer } from './redis-server';

export interface SentinelGroupOptions {
  /** Replicas of the master (1). */
  replicas?: number;
  /** Sentinels watching it (3; a quorum of a majority). */
  sentinels?: number;
  /** The master group's name (`checkout`). */
  name?: string;
  /** How long the master must not answer before the sentinels call it down (2 s: shorter risks false failovers on a busy machine). */
  downAfterMs?: number;
}

/** A master, its replicas and the sentinels watching them, on loopback ports. */
export interface SentinelGroup {
  /** What the service is started with: REDIS_SENTINELS and REDIS_SENTINEL_NAME. */
  env: Record<string, string>;
  /** The master as the sentinels name it now. */
  master: () => Promise<HostPort>;
  /**
   * SIGKILLs the current master (no shutdown, no last write): what a crashed host does.
   * Returns the address it had.
   */
  killMaster: () => Promise<HostPort>;
  /** Waits until the sentinels name another master than `old` and it answers as a master; returns it. */
  failedOver: (old: HostPort, timeoutMs?: number) => Promise<HostPort>;
  /** Stops every server and sentinel this group started (by PID) and removes its files. */
  stop: () => Promise<void>;
  /** Its processes and files, for stopping it from another process. */
  record: () => TopologyRecord;
}

/**
 * Starts a Sentinel group from Debian's redis-server and redis-sentinel: one
 * master, `replicas` replicas, `sentinels` sentinels; resolves once every
 * sentinel sees every replica and every other sentinel (a failover can then
 * happen at once).
 */
export async function startSentinelGroup(options: SentinelGroupOptions = {}): Promise<SentinelGroup> {
  const { replicas = 1, sentinels = 3, name = 'checkout', downAfterMs = 2_000 } = options;
  const dir = workDirectory('checkout-sentinel');
  const [masterPort, ...rest] = await freePorts(1 + replicas + sentinels);
  const servers = new Map<number, RedisServer>();
  const daemons: Daemon[] = [];
  const { connect, closeAll } = serverConnections();
  const stop = async () => {
    await closeAll();
    await Promise.all(daemons.map((daemon) => daemon.stop('SIGKILL')));
    dir.remove();
  };

  try {
    const master = startRedisServer(dir.path, masterPort!);
    servers.set(masterPort!, master);
    daemons.push(master.daemon);
    for (const port of rest.slice(0, replicas)) {
      const replica = startRedisServer(dir.path, port, ['--replicaof', '127.0.0.1', String(masterPort)]);
      servers.set(port, replica);
      daemons.push(replica.daemon);
    }
    const sentinelPorts = rest.slice(replicas);
    const quorum = Math.floor(sentinels / 2) + 1;
    for (const port of sentinelPorts) {
      const file = path.join(dir.path, `sentinel-${port}.conf`);
      writeFileSync(
        file,
        [
          `port ${port}`,
          'bind 127.0.0.1',
          `dir ${dir.path}`,
          `sentinel monitor ${name} 127.0.0.1 ${masterPort} ${quorum}`,
          `sentinel down-after-milliseconds ${name} ${downAfterMs}`,
          `sentinel failover-timeout ${name} 10000`,
          `sentinel parallel-syncs ${name} 1`,
          '',
        ].join('\n'),
      );
      daemons.push(startDaemon(`sentinel-${port}`, 'redis-sentinel', [file], path.join(dir.path, `sentinel-${port}.log`)));
    }

    const sentinelClients = sentinelPorts.map(connect);
    const ask = async (client: RedisClient, ...args: string[]) => (await client.call('SENTINEL', ...args)) as unknown;
    await waitFor(
      'every sentinel seeing every replica and every other sentinel',
      tolerant(async () => {
        for (const client of sentinelClients) {
          const seenReplicas = (await ask(client, 'REPLICAS', name)) as string[][];
          const seenSentinels = (await ask(client, 'SENTINELS', name)) as string[][];
          const upReplicas = seenReplicas.filter((fields) => !/s_down|o_down|disconnected/.test(field(fields, 'flags')));
          if (upReplicas.length < replicas || seenSentinels.length < sentinels - 1) return false;
        }
        return true;
      }),
      { timeoutMs: 30_000, intervalMs: 200 },
    ).catch((error: Error) => {
      throw new Error(`${error.message}\n${daemons.map((daemon) => `--- ${daemon.name}\n${daemon.tail(8)}`).join('\n')}`);
    });

    const currentMaster = async (): Promise<HostPort> => {
      for (const client of sentinelClients) {
        try {
          const [host, port] = (await ask(client, 'GET-MASTER-ADDR-BY-NAME', name)) as [string, string];
          return { host, port: Number(port) };
        } catch {
          // that sentinel is down: ask the next
        }
      }
      throw new Error('no sentinel answers');
    };
    return {
      env: { REDIS_SENTINELS: sentinelPorts.map((port) => `127.0.0.1:${port}`).join(','), REDIS_SENTINEL_NAME: name },
      master: currentMaster,
      killMaster: async () => {
        const address = await currentMaster();
        await servers.get(address.port)!.daemon.stop('SIGKILL');
        return address;
      },
      failedOver: async (old, timeoutMs = 30_000) =>
        waitFor(
          `a new master instead of ${old.host}:${old.port}`,
          tolerant(async () => {
            const now = await currentMaster();
            if (now.port === old.port) return false;
            const role = (await connect(now.port).role()) as unknown[];
            return role[0] === 'master' && now;
          }),
          { timeoutMs, intervalMs: 100 },
        ),
      stop,
      record: () => ({ pids: daemons.filter((daemon) => daemon.alive()).map((daemon) => daemon.pid), dirs: [dir.path] }),
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** A field of a SENTINEL REPLICAS / SENTINELS entry (a flat name, value list). */
function field(fields: string[], name: string): string {
  return fields[fields.indexOf(name) + 1] ?? '';
}
