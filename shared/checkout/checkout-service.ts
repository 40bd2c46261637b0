import { randomUUID } from 'node:crypto';
import { lockCart } from '../cart/cart-repository';
import { checkoutInProgress } from '../cart/cart-rules';
import type { Database } from '../db/database';
import { inTransaction } from '../db/transaction';
import { AppError } from '../errors/error-codes';
import { orderStatusOf } from '../orders/order-repository';
import { acceptCheckout } from './checkout-repository';
import { hashCheckoutDetails, type CheckoutDetails } from './idempotency';

export interface CheckoutRequest {
  userId: string;
  body: CheckoutDetails;
  idempotencyKey?: string;
  requestId: string;
}

/** `replayed` is true when an earlier request with the same Idempotency-Key already created the order. */
export interface AcceptedCheckout {
  orderId: string;
  replayed: boolean;
}

/**
 * Accepts a checkout: under the user's cart lock, one statement answers a
 * replayed Idempotency-Key, refuses a second pending checkout or an empty
 * cart, or writes the pending order with its history row,
 * `checkout.requested` event and key — one commit, before anything is
 * enqueued. The unique (user, key) and one-pending-order indexes back the
 * lock up.
 */
export function requestCheckout(db: Database, request: CheckoutRequest): Promise<AcceptedCheckout> {
  const requestHash = hashCheckoutDetails(request.body);
  return inTransaction(db, async (tx) => {
    await lockCart(tx, request.userId);
    const orderId = randomUUID();
    const attempt = await acceptCheckout(tx, {
      orderId,
      userId: request.userId,
      details: request.body,
      requestId: request.requestId,
      idempotencyKey: request.idempotencyKey ?? null,
      requestHash,
    });
    if (attempt.keyOrderId) {
      if (attempt.keyHash !== requestHash) {
        throw new AppError('IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was used with a different body');
      }
      return { orderId: attempt.keyOrderId, replayed: true };
    }
    if (attempt.pendingOrderId) throw checkoutInProgress(attempt.pendingOrderId);
    if (!attempt.hasItems) throw new AppError('CART_EMPTY', 'The cart is empty');
    return { orderId: attempt.createdOrderId!, replayed: false };
  }, {
    // the COMMIT's answer was lost: the order exists if it committed (a replay wrote nothing)
    committed: async ({ orderId, replayed }) => replayed || (await orderStatusOf(db, orderId)) !== null,
  });
}
