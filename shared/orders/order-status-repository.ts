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
export const TRANSITION_ORDERS = statement(
  'order_transitions',
  `WITH v AS (
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::numeric[], $5::int[], $6::text[], $7::jsonb[], $8::text[])
         AS v(order_id, status, sources, total_price, items_count, failure_reason, failure_details, actor)),
     previous AS (SELECT o.id, o.status FROM orders o JOIN v ON o.id = v.order_id),
     moved AS (
       UPDATE orders o SET status = v.status, updated_at = now(),
              total_price = COALESCE(v.total_price, o.total_price), items_count = COALESCE(v.items_count, o.items_count),
              failure_reason = COALESCE(v.failure_reason, o.failure_reason),
              failure_details = COALESCE(v.failure_details, o.failure_details)
         FROM v
        WHERE o.id = v.order_id AND o.status = ANY(string_to_array(v.sources, ','))
        RETURNING o.id, o.user_id, o.status, o.total_price, o.items_count, o.failure_reason, o.failure_details, o.traceparent, v.actor),
     history AS (
       INSERT INTO order_status_history (order_id, status, actor) SELECT id, status, actor FROM moved),
     event AS (
       INSERT INTO outbox_events (type, user_id, aggregate_id, traceparent, data)
       SELECT 'order.' || m.status, m.user_id, m.id::text, m.traceparent, CASE m.status
         WHEN 'placed' THEN jsonb_build_object(
           'order_id', m.id, 'total_price', m.total_price::text, 'items_count', m.items_count,
           'items', (SELECT jsonb_agg(jsonb_build_object('product_id', i.product_id, 'quantity', i.quantity,
                                                         'unit_price', i.unit_price::text) ORDER BY i.product_id)
                       FROM order_items i WHERE i.order_id = m.id))
         WHEN 'failed' THEN jsonb_build_object(
           'order_id', m.id, 'failure_reason', m.failure_reason,
           'products', coalesce(m.failure_details -> 'products', '[]'::jsonb))
         WHEN 'cancelled' THEN jsonb_build_object(
           'order_id', m.id, 'previous_status', (SELECT p.status FROM previous p WHERE p.id = m.id),
           'total_price', m.total_price::text, 'items_count', m.items_count)
         ELSE jsonb_build_object('order_id', m.id)
       END FROM moved m ORDER BY m.id)
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
  return (await transitionOrders(tx, [move])).has(move.orderId);
}

/** Several moves (of distinct orders) in one statement, as `transitionOrder` makes one; resolves with the orders moved. */
export async function transitionOrders(tx: Tx, moves: Transition[]): Promise<Set<string>> {
  if (moves.length === 0) return new Set();
  const { rows } = await run<{ id: string }>(tx, TRANSITION_ORDERS, transitionValues(moves));
  return new Set(rows.map((row) => row.id));
}

/** TRANSITION_ORDERS' parameters: the moves as parallel arrays (one `unnest`). */
export function transitionValues(moves: Transition[]): unknown[] {
  return [
    moves.map((move) => move.orderId),
    moves.map((move) => move.to),
    moves.map((move) => sourcesOf(move.to).join(',')),
    moves.map((move) => move.totalPrice ?? null),
    moves.map((move) => move.itemsCount ?? null),
    moves.map((move) => move.failureReason ?? null),
    moves.map((move) => (move.failureDetails === undefined ? null : JSON.stringify(move.failureDetails))),
    moves.map((move) => move.actor),
  ];
}
