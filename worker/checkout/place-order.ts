import type { Sequelize } from 'sequelize-typescript';
import type { FailureReason, OrderStatus } from '../../shared/domain/order-status';
import { transitionOrder } from '../../shared/orders/transition-order';
import { clearCartLines } from './steps/clear-cart-lines';
import { lockCartLines } from './steps/lock-cart-lines';
import { lockOrder } from './steps/lock-order';
import { lockProducts } from './steps/lock-products';
import { priceLines } from './steps/price-lines';
import { takeStock } from './steps/take-stock';
import { writeOrderItems } from './steps/write-order-items';
import type { Tx } from './tx';

export type PlacementOutcome =
  | { status: 'placed'; totalPrice: string; itemsCount: number }
  | { status: 'failed'; reason: FailureReason }
  | { status: 'skipped'; current: OrderStatus }
  | { status: 'missing' };

/**
 * Turns the user's cart into the order, in one transaction: lock the order
 * (return if no longer pending), lock the cart lines, lock the products in id
 * order, re-price, check and take stock, write the items, clear exactly those
 * cart lines, mark the order placed. A shortage marks it failed instead and
 * leaves cart and stock untouched. Safe to run twice: the second run skips.
 */
export async function placeOrder(db: Sequelize, orderId: string, actor = 'worker'): Promise<PlacementOutcome> {
  return db.transaction(async (transaction) => {
    const tx: Tx = { db, transaction };
    const order = await lockOrder(tx, orderId);
    if (!order) return { status: 'missing' };
    if (order.status !== 'pending') return { status: 'skipped', current: order.status };

    const lines = await lockCartLines(tx, order.userId);
    if (lines.length === 0) return fail(tx, orderId, actor, 'CART_EMPTY', { products: [] });

    const products = await lockProducts(tx, lines.map((line) => line.productId));
    const pricing = priceLines(lines, products);
    if (!pricing.ok) return fail(tx, orderId, actor, pricing.reason, { products: pricing.products });

    await takeStock(tx, pricing.items);
    await writeOrderItems(tx, orderId, pricing.items);
    await clearCartLines(tx, lines.map((line) => line.id));
    await transitionOrder(db, transaction, {
      orderId,
      to: 'placed',
      actor,
      totalPrice: pricing.totalPrice,
      itemsCount: pricing.itemsCount,
    });
    return { status: 'placed', totalPrice: pricing.totalPrice, itemsCount: pricing.itemsCount };
  });
}

async function fail(
  tx: Tx,
  orderId: string,
  actor: string,
  reason: FailureReason,
  details: unknown,
): Promise<PlacementOutcome> {
  await transitionOrder(tx.db, tx.transaction, { orderId, to: 'failed', actor, failureReason: reason, failureDetails: details });
  return { status: 'failed', reason };
}
