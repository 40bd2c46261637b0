import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../../shared/config/config-schema';
import { closeRedis, createRedis, reportTrouble, untilReady, type RedisClient } from '../../shared/redis/redis-connection';

declare module 'fastify' {
  interface FastifyInstance {
    /** Fail-fast Redis connection shared by the API's request paths (queue producer, rate limits, Bull Board). */
    redis: RedisClient;
  }
}

/** How long start-up waits for the first connection before going on without it. */
const READY_WAIT_MS = 2_000;

/** External tier: Redis. A Redis outage degrades readiness; it never blocks start-up. */
export const redisPlugin = fp(
  async (app: FastifyInstance, { config }: { config: Config }) => {
    const redis = createRedis(config.redis, 'request', 'checkout-api');
    reportTrouble(redis, app.log, 'api');
    app.decorate<RedisClient>('redis', redis);
    await untilReady(redis, READY_WAIT_MS);
    app.addHook('onClose', () => closeRedis(redis));
  },
  { name: 'redis' },
);
