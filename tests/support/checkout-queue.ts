import { createRedis, type RedisClient } from '../../shared/redis/redis-connection';
import type { Queue } from 'bullmq';
import { createCheckoutQueue, type CheckoutJobData, type CheckoutJobResult } from '../../shared/queue/checkout-queue';
import type { TestApp } from './test-app';

/**
 * A checkout queue of the test app's prefix on a connection of the test's
 * own (as a worker process has), for tests that look at or plug the jobs.
 * Opened in `beforeAll`, obliterated and closed in `afterAll`.
 */
export function useCheckoutQueue(app: () => TestApp): { readonly connection: RedisClient; readonly queue: Queue<CheckoutJobData, CheckoutJobResult> } {
  let connection: RedisClient | undefined;
  let queue: Queue<CheckoutJobData, CheckoutJobResult> | undefined;
  beforeAll(() => {
    connection = createRedis(app().config.redis, 'blocking', 'checkout-test');
    queue = createCheckoutQueue(connection, app().config.QUEUE_PREFIX);
  });
  afterAll(async () => {
    await queue?.obliterate({ force: true }).catch(() => undefined);
    await queue?.close();
    await connection?.quit();
  });
  return {
    get connection() {
      return connection!;
    },
    get queue() {
      return queue!;
    },
  };
}
