import type { Database } from '../db/database';
import { rows, statement } from '../db/prepared';
import type { Tx } from '../db/transaction';
import { IDEMPOTENCY_WINDOW_HOURS, type CheckoutDetails } from './idempotency';

/** What the checkout statement found, and the order it wrote when it could. */
export interface CheckoutAttempt {
  /** Set when the Idempotency-Key was used within the window: the body hash and the order it made. */
  keyHash: string | null;
  keyOrderId: string | null;
  pendingOrderId: string | null;
  hasItems: boolean;
  /** The new pending order; null when any of the above stopped it (nothing was written). */
  createdOrderId: string | null;
}

export interface PendingOrder {
  orderId: string;
  userId: string;
  details: CheckoutDetails;
  requestId: string;
  idempotencyKey: string | null;
  requestHash: string;
}

/** Exported for the bench's floor, which runs the very same statement. */
export const ACCEPT_CHECKOUT = statement(
  'checkout_accept',
  `WITH known_key AS (
     SELECT request_hash, order_id FROM idempotency_keys
      WHERE user_id = $2 AND key = $6 AND created_at > now() - make_interval(hours => $8)),
   pending AS (SELECT id FROM orders WHERE user_id = $2 AND status = 'pending'),
   cart AS (
     SELECT count(*) > 0 AS has_items, sum(c.quantity)::int AS items_count, sum(c.quantity * p.price) AS total_price
       FROM cart_items c JOIN products p ON p.id = c.product_id WHERE c.user_id = $2),
   new_order AS (
     INSERT INTO orders (id, user_id, status, contact, address, request_id)
     SELECT $1, $2, 'pending', $3, $4, $5 FROM cart
      WHERE cart.has_items AND NOT EXISTS (SELECT 1 FROM known_key) AND NOT EXISTS (SELECT 1 FROM pending)
     RETURNING id),
   history AS (
     INSERT INTO order_status_history (order_id, status, actor) SELECT id, 'pending', 'customer:' || $2 FROM new_order),
   requested AS (
     INSERT INTO outbox_events (type, user_id, aggregate_id, data)
     SELECT 'checkout.requested', $2, id::text, jsonb_build_object(
              'order_id', id, 'items_count', cart.items_count, 'total_price', cart.total_price::numeric(20,2)::text)
       FROM new_order, cart),
   remembered AS (
     -- a conflict here can only be an expired key (a live one stops the insert above): it is reused
     INSERT INTO idempotency_keys (user_id, key, request_hash, order_id)
     SELECT $2, $6, $7, id FROM new_order WHERE $6::text IS NOT NULL
     ON CONFLICT (user_id, key) DO UPDATE
       SET request_hash = EXCLUDED.request_hash, order_id = EXCLUDED.order_id, created_at = now())
   SELECT (SELECT request_hash FROM known_key) AS "keyHash", (SELECT order_id FROM known_key) AS "keyOrderId",
          (SELECT id FROM pending) AS "pendingOrderId", (SELECT has_items FROM cart) AS "hasItems",
          (SELECT id FROM new_order) AS "createdOrderId"`,
);

/**
 * A checkout in one statement: it reads the Idempotency-Key (an expired one
 * counts as absent), the user's pending order and the cart, and only when the
 * key is new, no order is pending and the cart has lines, writes the pending
 * order, its first history row, the `checkout.requested` event (the cart at
 * current prices) and the key. It tells what it found either way.
 */
export async function acceptCheckout(tx: Tx, order: PendingOrder): Promise<CheckoutAttempt> {
  const [attempt] = await rows<CheckoutAttempt>(tx, ACCEPT_CHECKOUT, [
    order.orderId,
    order.userId,
    order.details.contact,
    order.details.address,
    order.requestId,
    order.idempotencyKey,
    order.requestHash,
    IDEMPOTENCY_WINDOW_HOURS,
  ]);
  return attempt!;
}

/** Deletes up to `limit` keys older than the window (they only take space); returns how many. */
export async function purgeExpiredIdempotencyKeys(db: Database, limit = 1_000): Promise<number> {
  const [, result] = await db.query(
    `DELETE FROM idempotency_keys WHERE (user_id, key) IN (
       SELECT user_id, key FROM idempotency_keys WHERE created_at < now() - make_interval(hours => $1) LIMIT $2)`,
    { bind: [IDEMPOTENCY_WINDOW_HOURS, limit] },
  );
  return (result as { rowCount?: number } | undefined)?.rowCount ?? 0;
}
