import { QueryTypes, type Transaction } from 'sequelize';
import type { Sequelize } from 'sequelize-typescript';

export interface StaleOrder {
  id: string;
  userId: string;
  requestId: string | null;
}

/**
 * Locks pending orders older than `olderThanMs`, oldest first. Orders locked
 * by someone else — a worker placing them, another reconciler failing them —
 * are skipped: they are being taken care of.
 */
export function lockStalePendingOrders(
  db: Sequelize,
  transaction: Transaction,
  olderThanMs: number,
  limit: number,
): Promise<StaleOrder[]> {
  return db.query<StaleOrder>(
    `SELECT id, user_id AS "userId", request_id AS "requestId" FROM orders
      WHERE status = 'pending' AND created_at < now() - make_interval(secs => $1 / 1000.0)
      ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
    { type: QueryTypes.SELECT, bind: [olderThanMs, limit], transaction },
  );
}
