import { startSentinelGroup, type SentinelGroup } from '../../deploy/local/redis-sentinel';
import { waitFor } from '../../deploy/local/wait-for';
import { loadConfig } from '../../shared/config/load-config';
import { closeRedis, createRedis, untilReady, type RedisClient } from '../../shared/redis/redis-connection';

jest.setTimeout(120_000);

const CONNECTIONS = 300;

/**
 * Every connection follows a Sentinel failover, whatever it was doing when the master died: none ends for good.
 * (ioredis's failoverDetector aborted reconnects in flight when +switch-master came, and about one connection in a
 * hundred was closed forever: a worker's queue or relay connection among them would never work again.)
 */
describe('connections through Sentinel when the master dies', () => {
  let group: SentinelGroup;
  const clients: RedisClient[] = [];

  beforeAll(async () => {
    group = await startSentinelGroup({ replicas: 2 });
  });
  afterAll(async () => {
    await Promise.all(clients.map(closeRedis));
    await group?.stop();
  });

  it(`all ${CONNECTIONS} (request and blocking) are ready on the new master and answer, none closed`, async () => {
    const config = loadConfig({ ...group.env, REDIS_URL: '', NODE_ENV: 'test' }, () => undefined);
    for (let i = 0; i < CONNECTIONS; i += 1) {
      const client = createRedis(config.redis, i % 2 ? 'blocking' : 'request', `failover-probe-${i}`);
      client.on('error', () => undefined);
      clients.push(client);
    }
    await Promise.all(clients.map((client) => untilReady(client, 10_000)));
    expect(clients.filter((client) => client.status !== 'ready')).toHaveLength(0);

    // busy connections: some are reconnecting, some sending, when the sentinels announce the new master
    const busy = setInterval(() => clients.forEach((client) => client.ping().catch(() => undefined)), 50);
    try {
      const old = await group.killMaster();
      const promoted = await group.failedOver(old, 30_000);
      await waitFor(
        'every connection ready again (or ended)',
        async () => clients.every((client) => client.status === 'ready' || client.status === 'end'),
        { timeoutMs: 30_000, intervalMs: 100 },
      );
      expect(clients.filter((client) => client.status === 'end').length).toBe(0);
      const answers = await Promise.all(clients.map((client, i) => client.set(`probe:${i}`, 'x').then(() => 'ok', (error: Error) => error.message)));
      expect(answers.filter((answer) => answer !== 'ok')).toEqual([]);
      expect(promoted.port).not.toBe(old.port);
    } finally {
      clearInterval(busy);
    }
  });
});
