import { run, statement } from '../db/prepared';
import type { Tx } from '../db/transaction';
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

/** Exported for the bench's floor, which runs the very same statement. */
export const TRANSITION_ORDER = statement(
  'order_transition',
  `WITH previous AS (SELECT status FROM orders WHERE id = $1),
     moved AS (
       UPDATE orders SET status = $2, updated_at = now(),
              total_price = COALESCE($4, total_price), items_count = COALESCE($5, items_count),
              failure_reason = COALESCE($6, failure_reason), failure_details = COALESCE($7::jsonb, failure_details)
        WHERE id = $1 AND status = ANY($3::text[])
        RETURNING id, user_id, status, total_price, items_count, failure_reason, failure_details),
     history AS (
       INSERT INTO order_status_history (order_id, status, actor) SELECT id, status, $8 FROM moved),
     event AS (
       INSERT INTO outbox_events (type, user_id, aggregate_id, data)
       SELECT 'order.' || m.status, m.user_id, m.id::text, CASE m.status
         WHEN 'placed' THEN jsonb_build_object(
           'order_id', m.id, 'total_price', m.total_price::text, 'items_count', m.items_count,
           'items', (SELECT jsonb_agg(jsonb_build_object('product_id', i.product_id, 'quantity', i.quantity,
                                                         'unit_price', i.unit_price::text) ORDER BY i.product_id)
                       FROM order_items i WHERE i.order_id = m.id))
         WHEN 'failed' THEN jsonb_build_object(
           'order_id', m.id, 'failure_reason', m.failure_reason,
           'products', coalesce(m.failure_details -> 'products', '[]'::jsonb))
         WHEN 'cancelled' THEN jsonb_build_object(
           'order_id', m.id, 'previous_status', (SELECT status FROM previous),
           'total_price', m.total_price::text, 'items_count', m.items_count)
         ELSE jsonb_build_object('order_id', m.id)
       END FROM moved m)
     SELECT id FROM moved`,
);

/**
 * Moves an order to `to` if the state machine allows it from its current
 * status, and writes the status-history row and the `order.<to>` ML event —
 * one statement, so the guard (`status = ANY(allowed sources)`), the history
 * and the event cannot drift apart. The event's data is taken from the rows
 * the transaction wrote (shapes in shared/events/event-catalogue.ts).
 * Returns false when the order was not in a status that allows the move.
 */
export async function transitionOrder(tx: Tx, move: Transition): Promise<boolean> {
  const { rowCount } = await run(tx, TRANSITION_ORDER, [
    move.orderId,
    move.to,
    sourcesOf(move.to),
    move.totalPrice ?? null,
    move.itemsCount ?? null,
    move.failureReason ?? null,
    move.failureDetails === undefined ? null : JSON.stringify(move.failureDetails),
    move.actor,
  ]);
  return rowCount === 1;
}
