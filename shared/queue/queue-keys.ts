import type { Redis } from 'ioredis';

/**
 * Deletes every Redis key under a queue prefix — what a Redis restart without
 * persistence does to it. For tests, benchmarks and tearing down a deployment.
 */
export async function deleteQueueKeys(redis: Redis, prefix: string): Promise<number> {
  let deleted = 0;
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) deleted += await redis.del(...keys);
  } while (cursor !== '0');
  return deleted;
}
