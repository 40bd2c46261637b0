import { Redis, type RedisOptions } from 'ioredis';

/**
 * A Redis connection for request paths: commands fail at once while Redis is
 * unreachable (no offline queue) instead of hanging the caller.
 */
export function createFailFastRedis(url: string, options: RedisOptions = {}): Redis {
  return new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    ...options,
  });
}

/** A connection for blocking consumers (BullMQ workers, stream readers): waits out outages. */
export function createBlockingRedis(url: string, options: RedisOptions = {}): Redis {
  return new Redis(url, { maxRetriesPerRequest: null, ...options });
}
