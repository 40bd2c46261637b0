import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Redis } from 'ioredis';
import type { Config } from '../../shared/config/config-schema';
import { createFailFastRedis } from '../../shared/redis/redis-connection';

declare module 'fastify' {
  interface FastifyInstance {
    /** Fail-fast Redis connection shared by the API's request paths. */
    redis: Redis;
  }
}

/** How long start-up waits for the first connection before going on without it. */
const READY_WAIT_MS = 2_000;

function untilReady(redis: Redis, timeoutMs: number): Promise<void> {
  if (redis.status === 'ready') return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      redis.off('ready', done);
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    redis.once('ready', done);
  });
}

/** External tier: Redis. A Redis outage degrades readiness; it never blocks start-up. */
export const redisPlugin = fp(
  async (app: FastifyInstance, { config }: { config: Config }) => {
    const redis = createFailFastRedis(config.REDIS_URL);
    redis.on('error', (error) => app.log.warn({ err: error }, 'redis connection error'));
    app.decorate('redis', redis);
    await untilReady(redis, READY_WAIT_MS);
    app.addHook('onClose', async () => {
      if (redis.status === 'ready') await redis.quit().catch(() => redis.disconnect());
      else redis.disconnect();
    });
  },
  { name: 'redis' },
);
