import { randomUUID } from 'node:crypto';
import { batchWithFallback, type BatchLimits } from '../async/batch-while-busy';
import { LOCK_CART, LOCK_CARTS, lockCarts } from '../cart/cart-repository';
import { checkoutInProgress } from '../cart/cart-rules';
import type { Database } from '../db/database';
import type { Statement } from '../db/prepared';
import { inTransaction } from '../db/transaction';
import { AppError } from '../errors/error-codes';
import { orderStatusesOf } from '../orders/order-repository';
import { ACCEPT_CHECKOUTS, attemptCheckouts, purgeExpiredIdempotencyKeys, type CheckoutAttempt, type PendingOrder } from './checkout-repository';
import { hashCheckoutDetails, type CheckoutDetails } from './idempotency';
import { inSpan, withTraceparent } from '../telemetry/tracing';

/** The statements every accept runs (a new process plans them at start-up: openWarmConnections). */
export const ACCEPT_STATEMENTS: readonly Statement[] = [LOCK_CART, LOCK_CARTS, ACCEPT_CHECKOUTS];

export interface CheckoutRequest {
  userId: string;
  body: CheckoutDetails;
  idempotencyKey?: string;
  requestId: string;
  /** The request's W3C traceparent (activeTraceparent() where it arrived); none when tracing is off. */
  traceparent?: string | null;
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
 * circle), then one statement for the checkouts of different users — and
 * for a user with several, one more statement per further checkout, in the
 * order given, so each sees what the ones before it wrote (the same key sent
 * twice: the second is a replay) — and one commit. A refusal (a reused key, a
 * pending checkout, an empty cart) writes nothing and is that checkout's own
 * outcome; anything else the database throws rolls the whole group back.
 */
export function acceptCheckouts(db: Database, requests: CheckoutRequest[]): Promise<Array<PromiseSettledResult<AcceptedCheckout>>> {
  // traced: one span for the transaction, a child of the first checkout's request, linked to the others
  const [first, ...others] = requests.map((request) => request.traceparent ?? null);
  return withTraceparent(first ?? null, () =>
    inSpan('accept checkouts', others, { 'checkout.requests': requests.length }, () => acceptInTransaction(db, requests)),
  );
}

function acceptInTransaction(db: Database, requests: CheckoutRequest[]): Promise<Array<PromiseSettledResult<AcceptedCheckout>>> {
  return inTransaction(db, async (tx) => {
    await lockCarts(tx, requests.map((request) => request.userId));
    const settled = new Array<PromiseSettledResult<AcceptedCheckout>>(requests.length);
    for (const round of roundsOfDistinctUsers(requests)) {
      const orders = round.map((i) => pendingOrderOf(requests[i]!));
      const attempts = await attemptCheckouts(tx, orders);
      round.forEach((requestIndex, i) => (settled[requestIndex] = outcomeOf(orders[i]!, attempts[i]!)));
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

/** The requests' indexes in rounds where no user appears twice: each user's first checkout, then their second… */
function roundsOfDistinctUsers(requests: CheckoutRequest[]): number[][] {
  const rounds: number[][] = [];
  const seen = new Map<string, number>();
  requests.forEach((request, i) => {
    const nth = seen.get(request.userId) ?? 0;
    seen.set(request.userId, nth + 1);
    (rounds[nth] ??= []).push(i);
  });
  return rounds;
}

function pendingOrderOf(request: CheckoutRequest): PendingOrder {
  return {
    orderId: randomUUID(),
    userId: request.userId,
    details: request.body,
    requestId: request.requestId,
    idempotencyKey: request.idempotencyKey ?? null,
    requestHash: hashCheckoutDetails(request.body),
    traceparent: request.traceparent ?? null,
  };
}

/** What one checkout's attempt means: its order (new or replayed), or its refusal. */
function outcomeOf(order: PendingOrder, attempt: CheckoutAttempt): PromiseSettledResult<AcceptedCheckout> {
  const refused = (reason: AppError): PromiseRejectedResult => ({ status: 'rejected', reason });
  if (attempt.keyOrderId) {
    if (attempt.keyHash !== order.requestHash) {
      return refused(new AppError('IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was used with a different body'));
    }
    return { status: 'fulfilled', value: { orderId: attempt.keyOrderId, replayed: true } };
  }
  if (attempt.pendingOrderId) return refused(checkoutInProgress(attempt.pendingOrderId));
  if (!attempt.hasItems) return refused(new AppError('CART_EMPTY', 'The cart is empty'));
  return { status: 'fulfilled', value: { orderId: attempt.createdOrderId!, replayed: false } };
}

/** Expired keys are deleted in batches of this many. */
const PURGE_BATCH = 1_000;

/** Deletes every Idempotency-Key past its window (they only take space), in batches until none is left. */
export async function forgetExpiredIdempotencyKeys(db: Database): Promise<void> {
  while ((await purgeExpiredIdempotencyKeys(db, PURGE_BATCH)) === PURGE_BATCH);
}
