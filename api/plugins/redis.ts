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

/** External tier: Redis. A Redis outage degrades readiness; it never blocks start-up. */
export const redisPlugin = fp(
  async (app: FastifyInstance, { config }: { config: Config }) => {
    const redis = createFailFastRedis(config.REDIS_URL);
    redis.on('error', (error) => app.log.warn({ err: error }, 'redis connection error'));
    app.decorate('redis', redis);
    app.addHook('onClose', async () => {
      await redis.quit().catch(() => redis.disconnect());
    });
  },
  { name: 'redis' },
);
