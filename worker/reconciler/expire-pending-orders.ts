import { QueryTypes } from 'sequelize';
import type { Sequelize } from 'sequelize-typescript';
import { transitionOrder } from '../../shared/orders/transition-order';

/**
 * Fails with PROCESSING_ERROR every order still pending after `timeoutMs`,
 * which unlocks its cart. Orders a worker is placing right now are locked and
 * skipped (SKIP LOCKED); the guarded transition makes racing reconcilers harmless.
 */
export async function expirePendingOrders(db: Sequelize, timeoutMs: number, limit = 100): Promise<string[]> {
  return db.transaction(async (transaction) => {
    const rows = await db.query<{ id: string }>(
      `SELECT id FROM orders
        WHERE status = 'pending' AND created_at < now() - make_interval(secs => $1 / 1000.0)
        ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
      { type: QueryTypes.SELECT, bind: [timeoutMs, limit], transaction },
    );
    const expired: string[] = [];
    for (const { id } of rows) {
      const moved = await transitionOrder(db, transaction, {
        orderId: id,
        to: 'failed',
        actor: 'reconciler',
        failureReason: 'PROCESSING_ERROR',
        failureDetails: { message: `not placed within ${Math.round(timeoutMs / 1000)} s` },
      });
      if (moved) expired.push(id);
    }
    return expired;
  });
}
