import { randomUUID } from 'node:crypto';
import { batchWithFallback, type BatchLimits } from '../async/batch-while-busy';
import { lockCarts } from '../cart/cart-repository';
import { checkoutInProgress } from '../cart/cart-rules';
import type { Database } from '../db/database';
import { inTransaction, type Tx } from '../db/transaction';
import { AppError } from '../errors/error-codes';
import { orderStatusesOf } from '../orders/order-repository';
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
 * Accepts a checkout: `acceptCheckouts` with a group of one. Under the user's
 * cart lock, one statement answers a replayed Idempotency-Key, refuses a
 * second pending checkout or an empty cart, or writes the pending order with
 * its history row, `checkout.requested` event and key — one commit, before
 * anything is enqueued. The unique (user, key) and one-pending-order indexes
 * back the lock up.
 */
export async function requestCheckout(db: Database, request: CheckoutRequest): Promise<AcceptedCheckout> {
  const [settled] = await acceptCheckouts(db, [request]);
  if (settled!.status === 'rejected') throw settled!.reason;
  return settled!.value;
}

/**
 * Accepts a group of checkouts in one transaction: the carts of their users
 * locked first, in user order (so two groups never wait on each other in a
 * circle), then each checkout's statement in the order given — so each sees
 * what the ones before it wrote (the same key sent twice: the second is a
 * replay) — and one commit. A refusal (a reused key, a pending checkout, an
 * empty cart) writes nothing and is that checkout's own outcome; anything
 * else the database throws rolls the whole group back.
 */
export function acceptCheckouts(db: Database, requests: CheckoutRequest[]): Promise<Array<PromiseSettledResult<AcceptedCheckout>>> {
  return inTransaction(db, async (tx) => {
    await lockCarts(tx, requests.map((request) => request.userId));
    const settled: Array<PromiseSettledResult<AcceptedCheckout>> = [];
    for (const request of requests) {
      try {
        settled.push({ status: 'fulfilled', value: await acceptOne(tx, request) });
      } catch (error) {
        if (!(error instanceof AppError)) throw error;
        settled.push({ status: 'rejected', reason: error });
      }
    }
    return settled;
  }, {
    // the COMMIT's answer was lost: committed if every order it created exists (a replay or a refusal wrote nothing)
    committed: async (settled) => {
      const created = settled.flatMap((result) => (result.status === 'fulfilled' && !result.value.replayed ? [result.value.orderId] : []));
      return created.length === 0 || (await orderStatusesOf(db, created)).size === created.length;
    },
  });
}

/**
 * `requestCheckout` for a process that accepts many checkouts at once (the
 * API): while `maxInFlight` accept transactions run, the checkouts that come
 * meanwhile wait and are accepted together, up to `maxBatch` in one
 * transaction, when one of those ends — an idle API accepts each alone and at
 * once, a busy one commits once per group. A group that fails is accepted
 * again checkout by checkout, so each gets its own answer.
 */
export function groupingAcceptor(db: Database, limits: BatchLimits): (request: CheckoutRequest) => Promise<AcceptedCheckout> {
  return batchWithFallback(
    (requests: CheckoutRequest[]) => acceptCheckouts(db, requests),
    (request) => requestCheckout(db, request),
    limits,
  );
}

async function acceptOne(tx: Tx, request: CheckoutRequest): Promise<AcceptedCheckout> {
  const requestHash = hashCheckoutDetails(request.body);
  const attempt = await acceptCheckout(tx, {
    orderId: randomUUID(),
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
}
