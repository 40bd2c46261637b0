import type { RedisClient } from '../redis/redis-connection';

/**
 * The Redis pub/sub channel on which order status changes are announced,
 * after their commit, by whoever made them (worker, API, reconciler): each
 * message lists order ids, comma-separated. Every API process subscribes and
 * wakes the long-polls waiting on those orders.
 */
export function statusChannel(prefix: string): string {
  return `${prefix}:order-status`;
}

/**
 * Announces that these orders changed status (committed). Best effort: a
 * message lost to a Redis outage is caught by the waiters' periodic re-read.
 */
export async function announceStatusChanges(redis: RedisClient, prefix: string, orderIds: string[]): Promise<void> {
  if (orderIds.length > 0) await redis.publish(statusChannel(prefix), orderIds.join(','));
}
