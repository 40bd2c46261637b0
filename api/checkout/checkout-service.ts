import { createHash, randomUUID } from 'node:crypto';
import { QueryTypes, type Transaction } from 'sequelize';
import type { Sequelize } from 'sequelize-typescript';
import { AppError } from '../../shared/errors/error-codes';
import { checkoutInProgress, lockCart } from '../cart/cart-lock';
import type { CheckoutBody } from './checkout-schemas';

/** How long an Idempotency-Key is remembered. */
const IDEMPOTENCY_WINDOW_HOURS = 24;

export interface CheckoutRequest {
  userId: string;
  body: CheckoutBody;
  idempotencyKey?: string;
  requestId: string;
}

/** `replayed` is true when an earlier request with the same Idempotency-Key already created the order. */
export interface AcceptedCheckout {
  orderId: string;
  replayed: boolean;
}

interface CheckoutState {
  keyHash: string | null;
  keyOrderId: string | null;
  pendingOrderId: string | null;
  hasItems: boolean;
}

/**
 * Accepts a checkout: under the user's cart lock, answer a replayed
 * Idempotency-Key, refuse a second pending checkout or an empty cart, then
 * write the pending order, its first history row, the `checkout.requested`
 * event and the key — one commit,
 * before anything is enqueued. The unique (user, key) and one-pending-order
 * indexes back the lock up.
 */
export async function requestCheckout(db: Sequelize, request: CheckoutRequest): Promise<AcceptedCheckout> {
  const requestHash = hashBody(request.body);
  return db.transaction(async (transaction) => {
    await lockCart(db, transaction, request.userId);
    const state = await readCheckoutState(db, transaction, request.userId, request.idempotencyKey ?? null);
    if (state.keyOrderId) {
      if (state.keyHash !== requestHash) {
        throw new AppError('IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was used with a different body');
      }
      return { orderId: state.keyOrderId, replayed: true };
    }
    if (state.pendingOrderId) throw checkoutInProgress(state.pendingOrderId);
    if (!state.hasItems) throw new AppError('CART_EMPTY', 'The cart is empty');

    const orderId = randomUUID();
    await insertPendingOrder(db, transaction, orderId, request, requestHash);
    return { orderId, replayed: false };
  });
}

/** Everything the decision needs, in one round trip (an expired key counts as absent). */
async function readCheckoutState(
  db: Sequelize,
  transaction: Transaction,
  userId: string,
  key: string | null,
): Promise<CheckoutState> {
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

async function insertPendingOrder(
  db: Sequelize,
  transaction: Transaction,
  orderId: string,
  { userId, body, idempotencyKey, requestId }: CheckoutRequest,
  requestHash: string,
): Promise<void> {
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
     -- a conflict here can only be an expired key (a live one was answered above): it is reused
     INSERT INTO idempotency_keys (user_id, key, request_hash, order_id)
     SELECT $2, $6, $7, id FROM new_order WHERE $6::text IS NOT NULL
     ON CONFLICT (user_id, key) DO UPDATE
       SET request_hash = EXCLUDED.request_hash, order_id = EXCLUDED.order_id, created_at = now()`,
    { bind: [orderId, userId, body.contact, body.address, requestId, idempotencyKey ?? null, requestHash], transaction },
  );
}

function hashBody(body: CheckoutBody): string {
  return createHash('sha256').update(JSON.stringify([body.contact, body.address])).digest('hex');
}
