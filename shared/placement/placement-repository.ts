import type { CartLineToOrder } from '../cart/cart-repository';
import { rows, statement } from '../db/prepared';
import type { Tx } from '../db/transaction';
import type { OrderStatus } from '../domain/order-status';
import type { PricedItem } from '../orders/order-item-repository';

/** The order and, while it is pending, its owner's cart lines: both locked. */
export interface LockedOrderWithCart {
  id: string;
  userId: string;
  status: OrderStatus;
  lines: CartLineToOrder[];
}

/** Exported for the bench's floor, which runs the very same statement. */
export const LOCK_ORDER_AND_CART = statement(
  'placement_lock_order_and_cart',
  `WITH o AS (SELECT id, user_id, status FROM orders WHERE id = $1 FOR UPDATE)
   SELECT o.id, o.user_id AS "userId", o.status, c.id AS "lineId", c.product_id AS "productId", c.quantity
     FROM o LEFT JOIN LATERAL (
       SELECT id, product_id, quantity FROM cart_items
        WHERE user_id = o.user_id AND o.status = 'pending' ORDER BY product_id FOR UPDATE) c ON true`,
);

/**
 * Locks the order, then (while it is pending) its owner's cart lines in
 * product order — in one statement, in the same order as two would: the
 * lines a placement takes are exactly these. Null when the order does not exist.
 */
export async function lockOrderAndCart(tx: Tx, orderId: string): Promise<LockedOrderWithCart | null> {
  const found = await rows<{ id: string; userId: string; status: OrderStatus; lineId: string | null; productId: string; quantity: number }>(
    tx,
    LOCK_ORDER_AND_CART,
    [orderId],
  );
  const [first] = found;
  if (!first) return null;
  const lines = found.filter((row) => row.lineId !== null).map((row) => ({ id: row.lineId!, productId: row.productId, quantity: row.quantity }));
  return { id: first.id, userId: first.userId, status: first.status, lines };
}

/** Exported for the bench's floor, which runs the very same statement. */
export const FULFIL = statement(
  'placement_fulfil',
  `WITH taken AS (
     UPDATE products p SET stock = p.stock - v.quantity, updated_at = now()
       FROM unnest($2::uuid[], $6::int[]) AS v(id, quantity)
      WHERE p.id = v.id AND p.stock >= v.quantity
      RETURNING p.id),
   items AS (
     INSERT INTO order_items (order_id, product_id, seller_id, name, unit_price, quantity, line_total)
     SELECT $1, * FROM unnest($2::uuid[], $3::text[], $4::text[], $5::numeric[], $6::int[], $7::numeric[])),
   cleared AS (DELETE FROM cart_items WHERE id = ANY($8::uuid[]))
   SELECT count(*)::int AS taken FROM taken`,
);

/**
 * Takes the stock with a guarded update (`stock >= quantity`: even if a lock
 * were missed, nothing can be oversold), writes the order's line snapshots and
 * removes exactly the cart lines that became the order — one statement.
 * Throws if any stock was not taken, so the caller's transaction rolls back.
 */
export async function fulfil(tx: Tx, orderId: string, items: PricedItem[], cartLineIds: string[]): Promise<void> {
  const [result] = await rows<{ taken: number }>(tx, FULFIL, fulfilValues(orderId, items, cartLineIds));
  if (result?.taken !== items.length) throw new Error('stock changed under the placement lock');
}

/** FULFIL's parameters: the items as parallel arrays (one `unnest`), then the cart lines to clear. */
export function fulfilValues(orderId: string, items: PricedItem[], cartLineIds: string[]): unknown[] {
  return [
    orderId,
    items.map((i) => i.productId),
    items.map((i) => i.sellerId),
    items.map((i) => i.name),
    items.map((i) => i.unitPrice),
    items.map((i) => i.quantity),
    items.map((i) => i.lineTotal),
    cartLineIds,
  ];
}
