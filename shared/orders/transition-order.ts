import { QueryTypes, type Transaction } from 'sequelize';
import type { Sequelize } from 'sequelize-typescript';
import { sourcesOf, type FailureReason, type OrderStatus } from '../domain/order-status';

export interface Transition {
  orderId: string;
  to: OrderStatus;
  /** Who moved it, for the history: `worker`, `reconciler`, `customer:<id>`, `admin:<id>`, `seller:<id>`. */
  actor: string;
  totalPrice?: string;
  itemsCount?: number;
  failureReason?: FailureReason;
  failureDetails?: unknown;
}

/**
 * Moves an order to `to` if the state machine allows it from its current
 * status, and writes the status-history row — one statement, so the guard
 * (`status = ANY(allowed sources)`) and the history cannot drift apart.
 * Returns false when the order was not in a status that allows the move.
 */
export async function transitionOrder(db: Sequelize, transaction: Transaction, move: Transition): Promise<boolean> {
  const rows = await db.query(
    `WITH moved AS (
       UPDATE orders SET status = $2, updated_at = now(),
              total_price = COALESCE($4, total_price), items_count = COALESCE($5, items_count),
              failure_reason = COALESCE($6, failure_reason), failure_details = COALESCE($7::jsonb, failure_details)
        WHERE id = $1 AND status = ANY($3::text[])
        RETURNING id, status)
     INSERT INTO order_status_history (order_id, status, actor) SELECT id, status, $8 FROM moved RETURNING order_id`,
    {
      type: QueryTypes.SELECT,
      transaction,
      bind: [
        move.orderId,
        move.to,
        sourcesOf(move.to),
        move.totalPrice ?? null,
        move.itemsCount ?? null,
        move.failureReason ?? null,
        move.failureDetails === undefined ? null : JSON.stringify(move.failureDetails),
        move.actor,
      ],
    },
  );
  return rows.length === 1;
}
