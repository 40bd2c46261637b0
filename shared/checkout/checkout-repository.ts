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
  /** The checkout request's W3C traceparent, kept with the order and its events; null when tracing is off. */
  traceparent: string | null;
}

/**
 * Exported for the bench's floor, which runs the very same statement. Each
 * row of the input is one checkout, of a user no other row names (the
 * checkouts of one user go in statements one after another).
 */
export const ACCEPT_CHECKOUTS = statement(
  'checkout_accept_group',
  `WITH input AS (
     SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $9::text[])
         AS i(order_id, user_id, contact, address, request_id, key, request_hash, traceparent)),
   known_key AS (
     SELECT k.user_id, k.request_hash, k.order_id FROM input i
       JOIN idempotency_keys k ON k.user_id = i.user_id AND k.key = i.key AND k.created_at > now() - make_interval(hours => $8)),
   pending AS (SELECT o.user_id, o.id FROM input i JOIN orders o ON o.user_id = i.user_id AND o.status = 'pending'),
   cart AS (
     SELECT c.user_id, sum(c.quantity)::int AS items_count, sum(c.quantity * p.price) AS total_price
       FROM input i JOIN cart_items c ON c.user_id = i.user_id JOIN products p ON p.id = c.product_id
      GROUP BY c.user_id),
   accepted AS (
     SELECT i.*, cart.items_count, cart.total_price FROM input i JOIN cart ON cart.user_id = i.user_id
      WHERE NOT EXISTS (SELECT 1 FROM known_key k WHERE k.user_id = i.user_id)
        AND NOT EXISTS (SELECT 1 FROM pending p WHERE p.user_id = i.user_id)),
   new_order AS (
     INSERT INTO orders (id, user_id, status, contact, address, request_id, traceparent)
     SELECT order_id, user_id, 'pending', contact, address, request_id, traceparent FROM accepted
     RETURNING id, user_id),
   history AS (
     INSERT INTO order_status_history (order_id, status, actor) SELECT id, 'pending', 'customer:' || user_id FROM new_order),
   requested AS (
     -- the cart as this statement read it (see the event catalogue on who builds each event)
     INSERT INTO outbox_events (type, user_id, aggregate_id, traceparent, data)
     SELECT 'checkout.requested', user_id, order_id::text, traceparent, jsonb_build_object(
              'order_id', order_id, 'items_count', items_count, 'total_price', total_price::numeric(20,2)::text)
       FROM accepted),
   remembered AS (
     -- a conflict here can only be an expired key (a live one stops the insert above): it is reused
     INSERT INTO idempotency_keys (user_id, key, request_hash, order_id)
     SELECT user_id, key, request_hash, order_id FROM accepted WHERE key IS NOT NULL
     ON CONFLICT (user_id, key) DO UPDATE
       SET request_hash = EXCLUDED.request_hash, order_id = EXCLUDED.order_id, created_at = now())
   SELECT i.user_id AS "userId", k.request_hash AS "keyHash", k.order_id AS "keyOrderId", p.id AS "pendingOrderId",
          cart.user_id IS NOT NULL AS "hasItems", a.order_id AS "createdOrderId"
     FROM input i
     LEFT JOIN known_key k ON k.user_id = i.user_id
     LEFT JOIN pending p ON p.user_id = i.user_id
     LEFT JOIN cart ON cart.user_id = i.user_id
     LEFT JOIN accepted a ON a.user_id = i.user_id`,
);

/**
 * Checkouts in one statement, each of a different user: for each, it reads the
 * Idempotency-Key (an expired one counts as absent), the user's pending order
 * and cart, and only when the key is new, no order is pending and the cart has
 * lines, writes the pending order, its first history row, the
 * `checkout.requested` event (the cart at current prices) and the key. It
 * tells, in the order given, what it found for each either way.
 */
export async function attemptCheckouts(tx: Tx, orders: PendingOrder[]): Promise<CheckoutAttempt[]> {
  const found = await rows<CheckoutAttempt & { userId: string }>(tx, ACCEPT_CHECKOUTS, [
    orders.map((order) => order.orderId),
    orders.map((order) => order.userId),
    orders.map((order) => order.details.contact),
    orders.map((order) => order.details.address),
    orders.map((order) => order.requestId),
    orders.map((order) => order.idempotencyKey),
    orders.map((order) => order.requestHash),
    IDEMPOTENCY_WINDOW_HOURS,
    orders.map((order) => order.traceparent),
  ]);
  const byUser = new Map(found.map((attempt) => [attempt.userId, attempt]));
  return orders.map((order) => byUser.get(order.userId)!);
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
