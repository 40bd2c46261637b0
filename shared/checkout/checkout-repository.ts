import { QueryTypes } from 'sequelize';
import type { Database } from '../db/database';
import type { Tx } from '../db/transaction';
import { IDEMPOTENCY_WINDOW_HOURS, type CheckoutDetails } from './idempotency';

/** Everything the checkout decision needs, read in one round trip. */
export interface CheckoutState {
  /** Set when the Idempotency-Key was used within the window: the body hash and the order it made. */
  keyHash: string | null;
  keyOrderId: string | null;
  pendingOrderId: string | null;
  hasItems: boolean;
}

export interface PendingOrder {
  orderId: string;
  userId: string;
  details: CheckoutDetails;
  requestId: string;
  idempotencyKey: string | null;
  requestHash: string;
}

/** The key's record (an expired key counts as absent), the user's pending order, and whether the cart has lines. */
export async function readCheckoutState({ db, transaction }: Tx, userId: string, key: string | null): Promise<CheckoutState> {
  const [state] = await db.query<CheckoutState>(
    `SELECT k.request_hash AS "keyHash", k.order_id AS "keyOrderId",
            (SELECT id FROM orders WHERE user_id = $1 AND status = 'pending') AS "pendingOrderId",
            EXISTS (SELECT 1 FROM cart_items WHERE user_id = $1) AS "hasItems"
       FROM (SELECT 1) AS one
       LEFT JOIN idempotency_keys k
         ON k.user_id = $1 AND k.key = $2 AND k.created_at > now() - make_interval(hours => $3)`,
    { type: QueryTypes.SELECT, bind: [userId, key, IDEMPOTENCY_WINDOW_HOURS], transaction },
  );
  return state!;
}

/**
 * Writes the pending order, its first history row, the `checkout.requested`
 * event (the cart at current prices) and the Idempotency-Key — one statement.
 */
export async function insertPendingOrder({ db, transaction }: Tx, order: PendingOrder): Promise<void> {
  await db.query(
    `WITH new_order AS (
       INSERT INTO orders (id, user_id, status, contact, address, request_id)
       VALUES ($1, $2, 'pending', $3, $4, $5) RETURNING id),
     history AS (
       INSERT INTO order_status_history (order_id, status, actor) SELECT id, 'pending', 'customer:' || $2 FROM new_order),
     requested AS (
       INSERT INTO outbox_events (type, user_id, aggregate_id, data)
       SELECT 'checkout.requested', $2, id::text, jsonb_build_object(
                'order_id', id,
                'items_count', cart.items_count,
                'total_price', cart.total_price::numeric(20,2)::text)
         FROM new_order,
              (SELECT sum(c.quantity)::int AS items_count, sum(c.quantity * p.price) AS total_price
                 FROM cart_items c JOIN products p ON p.id = c.product_id WHERE c.user_id = $2) AS cart)
     -- a conflict here can only be an expired key (a live one was answered before): it is reused
     INSERT INTO idempotency_keys (user_id, key, request_hash, order_id)
     SELECT $2, $6, $7, id FROM new_order WHERE $6::text IS NOT NULL
     ON CONFLICT (user_id, key) DO UPDATE
       SET request_hash = EXCLUDED.request_hash, order_id = EXCLUDED.order_id, created_at = now()`,
    {
      bind: [
        order.orderId,
        order.userId,
        order.details.contact,
        order.details.address,
        order.requestId,
        order.idempotencyKey,
        order.requestHash,
      ],
      transaction,
    },
  );
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
