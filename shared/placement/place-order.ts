import type { Database } from '../db/database';
import { inTransaction, type Tx } from '../db/transaction';
import type { FailureReason, OrderStatus } from '../domain/order-status';
import { orderStatusOf } from '../orders/order-repository';
import { transitionOrder } from '../orders/order-status-repository';
import { lockProductsForSale } from '../products/product-repository';
import { fulfil, lockOrderAndCart } from './placement-repository';
import { priceLines } from './price-lines';

/** The lines a failed placement could not serve (failure_details). */
export interface FailureDetails {
  products: Array<{ product_id: string; requested: number; available: number }>;
}

export type PlacementOutcome =
  | { status: 'placed'; totalPrice: string; itemsCount: number }
  | { status: 'failed'; reason: FailureReason; details: FailureDetails }
  | { status: 'skipped'; current: OrderStatus }
  | { status: 'missing' };

/**
 * Turns the user's cart into the order, in one transaction, step by step:
 * lock the order and its cart lines (return if no longer pending), lock the
 * products in id order, re-price and check stock, take the stock + write the
 * items + clear exactly those cart lines (one statement), mark the order
 * placed (with its history row and `order.placed` event): six round trips
 * with BEGIN and COMMIT. A shortage marks it failed instead
 * and leaves cart and stock untouched. Safe to run twice: the second run
 * skips. The worker runs it for every checkout job; an admin's move to
 * `placed` runs the same.
 */
export function placeOrder(db: Database, orderId: string, actor = 'worker'): Promise<PlacementOutcome> {
  return inTransaction(db, async (tx) => {
    const order = await lockOrderAndCart(tx, orderId);
    if (!order) return { status: 'missing' };
    if (order.status !== 'pending') return { status: 'skipped', current: order.status };
    const { lines } = order;
    if (lines.length === 0) return fail(tx, orderId, actor, 'CART_EMPTY', { products: [] });

    const products = await lockProductsForSale(tx, lines.map((line) => line.productId));
    const pricing = priceLines(lines, products);
    if (!pricing.ok) return fail(tx, orderId, actor, pricing.reason, { products: pricing.products });

    await fulfil(tx, orderId, pricing.items, lines.map((line) => line.id));
    await transitionOrder(tx, { orderId, to: 'placed', actor, totalPrice: pricing.totalPrice, itemsCount: pricing.itemsCount });
    return { status: 'placed', totalPrice: pricing.totalPrice, itemsCount: pricing.itemsCount };
  }, {
    // the COMMIT's answer was lost: placed (or failed) if the order says so; a skip wrote nothing
    committed: async (outcome) =>
      outcome.status === 'placed' || outcome.status === 'failed' ? (await orderStatusOf(db, orderId)) === outcome.status : true,
  });
}

async function fail(tx: Tx, orderId: string, actor: string, reason: FailureReason, details: FailureDetails): Promise<PlacementOutcome> {
  await transitionOrder(tx, { orderId, to: 'failed', actor, failureReason: reason, failureDetails: details });
  return { status: 'failed', reason, details };
}
