import type { Database } from '../db/database';
import { inTransaction } from '../db/transaction';
import { orderFailed } from './order-events';
import { lockStalePendingOrders } from './order-repository';
import { transitionOrder } from './order-status-repository';

/**
 * Fails with PROCESSING_ERROR every order still pending after `timeoutMs`,
 * which unlocks its cart. Orders a worker is placing right now are locked and
 * skipped (SKIP LOCKED); the guarded transition makes racing reconcilers harmless.
 */
export function expirePendingOrders(db: Database, timeoutMs: number, limit = 100): Promise<string[]> {
  return inTransaction(db, async (tx) => {
    const expired: string[] = [];
    for (const { id } of await lockStalePendingOrders(tx, timeoutMs, limit)) {
      const moved = await transitionOrder(tx, {
        orderId: id,
        event: orderFailed(id, 'PROCESSING_ERROR'),
        actor: 'reconciler',
        failureDetails: { message: `not placed within ${Math.round(timeoutMs / 1000)} s` },
      });
      if (moved) expired.push(id);
    }
    return expired;
  });
}
