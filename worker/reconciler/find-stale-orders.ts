import { QueryTypes } from 'sequelize';
import type { Sequelize } from 'sequelize-typescript';

export interface StaleOrder {
  id: string;
  userId: string;
  requestId: string | null;
}

/** Pending orders older than `olderThanMs`, oldest first. */
export function findStalePendingOrders(db: Sequelize, olderThanMs: number, limit: number): Promise<StaleOrder[]> {
  return db.query<StaleOrder>(
    `SELECT id, user_id AS "userId", request_id AS "requestId" FROM orders
      WHERE status = 'pending' AND created_at < now() - make_interval(secs => $1 / 1000.0)
      ORDER BY created_at LIMIT $2`,
    { type: QueryTypes.SELECT, bind: [olderThanMs, limit] },
  );
}
