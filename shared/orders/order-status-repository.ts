import { run, statement } from '../db/prepared';
import type { Tx } from '../db/transaction';
import { sourcesOf, type OrderStatus } from '../domain/order-status';
import type { OrderEvent } from './order-events';

export interface Transition {
  orderId: string;
  /** The event the move writes; its type names the status the order moves to (`order.placed`: placed). */
  event: OrderEvent;
  /** Who moved it, for the history: `worker`, `reconciler`, `customer:<id>`, `admin:<id>`, `seller:<id>`. */
  actor: string;
  /** What the order keeps of a failure for its readers (the shortages; who rejected it; why it expired). */
  failureDetails?: unknown;
}

/** Exported for the bench's floor, which runs the very same statement. */
export const TRANSITION_ORDERS = statement(
  'order_transitions',
  `WITH v AS (
       SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::numeric[], $5::int[], $6::text[], $7::jsonb[], $8::text[], $9::jsonb[])
         AS v(order_id, status, sources, total_price, items_count, failure_reason, failure_details, actor, event)),
     moved AS (
       UPDATE orders o SET status = v.status, updated_at = now(),
              total_price = COALESCE(v.total_price, o.total_price), items_count = COALESCE(v.items_count, o.items_count),
              failure_reason = COALESCE(v.failure_reason, o.failure_reason),
              failure_details = COALESCE(v.failure_details, o.failure_details)
         FROM v
        WHERE o.id = v.order_id AND o.status = ANY(string_to_array(v.sources, ','))
        RETURNING o.id, o.user_id, o.status, o.traceparent, v.actor, v.event),
     history AS (
       INSERT INTO order_status_history (order_id, status, actor) SELECT id, status, actor FROM moved),
     event AS (
       INSERT INTO outbox_events (type, user_id, aggregate_id, traceparent, data)
       SELECT 'order.' || m.status, m.user_id, m.id::text, m.traceparent, m.event FROM moved m ORDER BY m.id)
     SELECT id FROM moved`,
);

/**
 * Moves an order to its event's status if the state machine allows it from
 * its current status, and writes the status-history row and the event —
 * one statement, so the guard (`status = ANY(allowed sources)`), the history
 * and the event cannot drift apart. The event comes built and typed by the
 * catalogue (shared/orders/order-events.ts); the order's totals and failure
 * are taken from it.
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
  const placed = (move: Transition) => (move.event.type === 'order.placed' ? move.event.data : null);
  return [
    moves.map((move) => move.orderId),
    moves.map((move) => statusOf(move.event)),
    moves.map((move) => sourcesOf(statusOf(move.event)).join(',')),
    moves.map((move) => placed(move)?.total_price ?? null),
    moves.map((move) => placed(move)?.items_count ?? null),
    moves.map((move) => (move.event.type === 'order.failed' ? move.event.data.failure_reason : null)),
    moves.map((move) => (move.failureDetails === undefined ? null : JSON.stringify(move.failureDetails))),
    moves.map((move) => move.actor),
    moves.map((move) => JSON.stringify(move.event.data)),
  ];
}

/** The status an `order.<status>` event moves its order to. */
function statusOf(event: OrderEvent): OrderStatus {
  return event.type.slice('order.'.length) as OrderStatus;
}
