import { batchWhileBusy } from '../async/batch-while-busy';
import type { WarnLog } from '../logging/logger';
import type { RedisClient } from '../redis/redis-connection';

/** Order ids in one message at most (~37 bytes each). */
const ANNOUNCED_TOGETHER_MAX = 500;

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

/** `announceStatusChanges` that never throws: a message Redis did not take is logged (the waiters re-read on their own). */
export async function announceStatusChangesSafely(redis: RedisClient, prefix: string, orderIds: string[], log: WarnLog): Promise<void> {
  try {
    await announceStatusChanges(redis, prefix, orderIds);
  } catch (error) {
    log.warn({ err: error, order_ids: orderIds }, 'status change not announced; waiters re-read it');
  }
}

/**
 * `announceStatusChangesSafely` for a process that changes many orders at
 * once (the worker: a placement group's jobs all end at its commit): while
 * one message is on its way, the orders announced meanwhile wait and go
 * together in the next — one PUBLISH, and one wake-up of every API process,
 * per group rather than per order.
 */
export function statusAnnouncer(redis: RedisClient, prefix: string, log: WarnLog): (orderIds: string[]) => void {
  const announce = batchWhileBusy(
    async (orderIds: string[]) => {
      await announceStatusChangesSafely(redis, prefix, orderIds, log);
      return orderIds.map(() => undefined);
    },
    { maxInFlight: 1, maxBatch: ANNOUNCED_TOGETHER_MAX },
  );
  return (orderIds) => {
    for (const orderId of orderIds) void announce(orderId);
  };
}
