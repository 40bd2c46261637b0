import { randomUUID } from 'node:crypto';
import type { ClientBase, Pool } from 'pg';
import { IDEMPOTENCY_WINDOW_HOURS, hashCheckoutDetails } from '../../shared/checkout/idempotency';
import { ADVISORY_LOCKS } from '../../shared/db/session';
import type { ProductForSale } from '../../shared/products/product-repository';
import { transitionValues } from '../../shared/orders/order-status-repository';
import { planGroup, priceGroup } from '../../shared/placement/place-order';
import { checkAllTaken, fulfilValues, lockedOrdersOf, type LockedRow } from '../../shared/placement/placement-repository';
import { CHECKOUT_BODY } from '../harness/fixtures';
import { BEGIN_SQL } from '../../shared/db/connection-settings';
import {
  ACCEPT_CHECKOUTS,
  ADD_CART_LINE,
  FIND_ORDER,
  FULFIL_ORDERS,
  LOCK_CART,
  LOCK_CARTS,
  LOCK_ORDERS_AND_CARTS,
  LOCK_PRODUCTS_FOR_SALE,
  prepared,
  TRANSITION_ORDERS,
  type Statement,
} from './statements';

/**
 * The service's hot paths as the floors run them: the use case's statements
 * in its order, its decisions in plain code, on one pg connection. Each
 * mirrors the shared/ use case named on it; FLOWS lists the statements each
 * sends, which statement-check.ts compares with what the use case sends.
 */
export const FLOWS: Record<'addToCart' | 'acceptCheckout' | 'placeOrder' | 'readOrder', Array<Statement | string>> = {
  addToCart: [BEGIN_SQL, LOCK_CART, ADD_CART_LINE, 'COMMIT'],
  acceptCheckout: [BEGIN_SQL, LOCK_CART, ACCEPT_CHECKOUTS, 'COMMIT'],
  placeOrder: [BEGIN_SQL, LOCK_ORDERS_AND_CARTS, LOCK_PRODUCTS_FOR_SALE, FULFIL_ORDERS, TRANSITION_ORDERS, 'COMMIT'],
  readOrder: [FIND_ORDER],
};

/** A refusal the service would answer with a 4xx; the floor rolls back just the same. */
export class Refused extends Error {}

async function inTransaction<T>(client: ClientBase, work: () => Promise<T>): Promise<T> {
  // the service's BEGIN (with its transaction's statement timeout)
  await client.query(BEGIN_SQL);
  try {
    const result = await work();
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

/** shared/cart/cart-service.ts addToCart */
export function addToCart(client: ClientBase, userId: string, productId: string, quantity: number, maxLines: number): Promise<void> {
  return inTransaction(client, async () => {
    await client.query(prepared(LOCK_CART, [ADVISORY_LOCKS.cartNamespace, userId]));
    const { rows } = await client.query<{
      pendingOrderId: string | null;
      linesBefore: number;
      productId: string | null;
      stock: number;
      active: boolean;
      lineId: string | null;
      quantity: number;
      created: boolean;
    }>(prepared(ADD_CART_LINE, [userId, productId, quantity]));
    const row = rows[0]!;
    if (row.pendingOrderId) throw new Refused('CHECKOUT_IN_PROGRESS');
    if (!row.productId || !row.active || !row.lineId) throw new Refused('PRODUCT_NOT_FOUND');
    if (row.quantity > row.stock) throw new Refused('OUT_OF_STOCK');
    if (row.created && row.linesBefore >= maxLines) throw new Refused('CART_TOO_LARGE');
  });
}

/** shared/checkout/checkout-service.ts requestCheckout (the HTTP request id is a fresh uuid); resolves with the new order's id. */
export function acceptCheckout(client: ClientBase, userId: string, idempotencyKey: string | null): Promise<string> {
  const requestHash = hashCheckoutDetails(CHECKOUT_BODY);
  return inTransaction(client, async () => {
    await client.query(prepared(LOCK_CART, [ADVISORY_LOCKS.cartNamespace, userId]));
    const { rows } = await client.query<{
      keyHash: string | null;
      keyOrderId: string | null;
      pendingOrderId: string | null;
      hasItems: boolean;
      createdOrderId: string | null;
    }>(
      prepared(ACCEPT_CHECKOUTS, [
        [randomUUID()],
        [userId],
        [CHECKOUT_BODY.contact],
        [CHECKOUT_BODY.address],
        [randomUUID()],
        [idempotencyKey],
        [requestHash],
        IDEMPOTENCY_WINDOW_HOURS,
        [null],
      ]),
    );
    const attempt = rows[0]!;
    if (attempt.keyOrderId) {
      if (attempt.keyHash !== requestHash) throw new Refused('IDEMPOTENCY_KEY_REUSED');
      return attempt.keyOrderId;
    }
    if (attempt.pendingOrderId) throw new Refused('CHECKOUT_IN_PROGRESS');
    if (!attempt.hasItems) throw new Refused('CART_EMPTY');
    return attempt.createdOrderId!;
  });
}

/**
 * shared/checkout/checkout-service.ts acceptCheckouts for checkouts of different users, none refused (the
 * bench's carts): their carts locked in user order, one statement, one commit; resolves with the new orders' ids.
 */
export function acceptCheckouts(client: ClientBase, userIds: string[]): Promise<string[]> {
  const requestHash = hashCheckoutDetails(CHECKOUT_BODY);
  return inTransaction(client, async () => {
    await client.query(prepared(LOCK_CARTS, [ADVISORY_LOCKS.cartNamespace, userIds]));
    const { rows } = await client.query<{ userId: string; createdOrderId: string | null }>(
      prepared(ACCEPT_CHECKOUTS, [
        userIds.map(() => randomUUID()),
        userIds,
        userIds.map(() => CHECKOUT_BODY.contact),
        userIds.map(() => CHECKOUT_BODY.address),
        userIds.map(() => randomUUID()),
        userIds.map(() => randomUUID()),
        userIds.map(() => requestHash),
        IDEMPOTENCY_WINDOW_HOURS,
        userIds.map(() => null),
      ]),
    );
    const created = new Map(rows.map((row) => [row.userId, row.createdOrderId]));
    return userIds.map((userId) => {
      const orderId = created.get(userId);
      if (!orderId) throw new Refused('NOT_ACCEPTED');
      return orderId;
    });
  });
}

/** shared/placement/place-order.ts placeOrder (a group of one); resolves with the order's status afterwards. */
export async function placeOrder(client: ClientBase, orderId: string, actor = 'worker'): Promise<string> {
  const [status] = await placeOrders(client, [orderId], actor);
  return status!;
}

/**
 * shared/placement/place-order.ts placeOrders: the same statements, with the
 * same pure decisions (planGroup, priceGroup) between them; resolves with each
 * order's status afterwards (`missing` for none).
 */
export function placeOrders(client: ClientBase, orderIds: string[], actor = 'worker'): Promise<string[]> {
  return inTransaction(client, async () => {
    const { rows: found } = await client.query<LockedRow>(prepared(LOCK_ORDERS_AND_CARTS, [orderIds]));
    const orders = lockedOrdersOf(found);
    const plan = planGroup(orderIds, orders, actor);
    const { rows: products } =
      plan.productIds.length > 0 ? await client.query<ProductForSale>(prepared(LOCK_PRODUCTS_FOR_SALE, [plan.productIds])) : { rows: [] };
    const { fulfilments, moves, outcomes } = priceGroup(plan, products, actor);
    if (fulfilments.length > 0) {
      const values = fulfilValues(fulfilments);
      const { rows: fulfilled } = await client.query<{ taken: number }>(prepared(FULFIL_ORDERS, values));
      checkAllTaken(values, fulfilled[0]?.taken);
    }
    if (moves.length > 0) await client.query(prepared(TRANSITION_ORDERS, transitionValues(moves)));
    return orderIds.map((orderId) => {
      const outcome = outcomes.get(orderId)!;
      return outcome.status === 'skipped' ? outcome.current : outcome.status;
    });
  });
}

/** shared/orders/order-service.ts getOrder for its owner: one statement on a pooled connection. */
export async function readOrder(pool: Pool, orderId: string, ownerId: string): Promise<void> {
  const { rows } = await pool.query(prepared(FIND_ORDER, [orderId, ownerId]));
  if (rows.length !== 1) throw new Refused('ORDER_NOT_FOUND');
}
