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
export const LOCK_ORDERS_AND_CARTS = statement(
  'placement_lock_orders_and_carts',
  `WITH o AS (SELECT id, user_id, status FROM orders WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE)
   SELECT o.id, o.user_id AS "userId", o.status, c.id AS "lineId", c.product_id AS "productId", c.quantity
     FROM o LEFT JOIN LATERAL (
       SELECT id, product_id, quantity FROM cart_items
        WHERE user_id = o.user_id AND o.status = 'pending' ORDER BY product_id FOR UPDATE) c ON true`,
);

/**
 * Locks the orders in id order (so two groups never wait on each other in a
 * circle), then, for each one still pending, its owner's cart lines in
 * product order — in one statement: the lines a placement takes are exactly
 * these. An order that does not exist is not in the map.
 */
export async function lockOrdersAndCarts(tx: Tx, orderIds: string[]): Promise<Map<string, LockedOrderWithCart>> {
  return lockedOrdersOf(await rows<LockedRow>(tx, LOCK_ORDERS_AND_CARTS, [orderIds]));
}

/** A row of LOCK_ORDERS_AND_CARTS: an order with one of its cart lines (none: lineId null). */
export interface LockedRow {
  id: string;
  userId: string;
  status: OrderStatus;
  lineId: string | null;
  productId: string;
  quantity: number;
}

/** LOCK_ORDERS_AND_CARTS' rows as orders with their lines (exported for the bench's floor). */
export function lockedOrdersOf(found: LockedRow[]): Map<string, LockedOrderWithCart> {
  const orders = new Map<string, LockedOrderWithCart>();
  for (const row of found) {
    let order = orders.get(row.id);
    if (!order) orders.set(row.id, (order = { id: row.id, userId: row.userId, status: row.status, lines: [] }));
    if (row.lineId !== null) order.lines.push({ id: row.lineId, productId: row.productId, quantity: row.quantity });
  }
  return orders;
}

/** What one order of a group takes: its priced items and the cart lines that became them. */
export interface Fulfilment {
  orderId: string;
  items: PricedItem[];
  cartLineIds: string[];
}

/** Exported for the bench's floor, which runs the very same statement. */
export const FULFIL_ORDERS = statement(
  'placement_fulfil_orders',
  `WITH taken AS (
     UPDATE products p SET stock = p.stock - v.quantity, updated_at = now()
       FROM (SELECT id, sum(quantity)::int AS quantity FROM unnest($2::uuid[], $6::int[]) AS t(id, quantity) GROUP BY id) v
      WHERE p.id = v.id AND p.stock >= v.quantity
      RETURNING p.id),
   items AS (
     INSERT INTO order_items (order_id, product_id, seller_id, name, unit_price, quantity, line_total)
     SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::numeric[], $6::int[], $7::numeric[])),
   cleared AS (DELETE FROM cart_items WHERE id = ANY($8::uuid[]))
   SELECT count(*)::int AS taken FROM taken`,
);

/**
 * Takes the stock of every order of a group (one guarded update per product,
 * `stock >= quantity`: even if a lock were missed, nothing can be oversold),
 * writes the orders' line snapshots and removes exactly the cart lines that
 * became them — one statement. Throws if any stock was not taken, so the
 * caller's transaction rolls back.
 */
export async function fulfilOrders(tx: Tx, fulfilments: Fulfilment[]): Promise<void> {
  if (fulfilments.length === 0) return;
  const values = fulfilValues(fulfilments);
  const [result] = await rows<{ taken: number }>(tx, FULFIL_ORDERS, values);
  checkAllTaken(values, result?.taken);
}

/** Throws unless FULFIL_ORDERS (given `values`) took the stock of every product it asked for. */
export function checkAllTaken(values: unknown[], taken: number | undefined): void {
  if (taken !== new Set(values[1] as string[]).size) throw new Error('stock changed under the placement lock');
}

/** FULFIL_ORDERS' parameters: every order's items as parallel arrays (one `unnest`), then the cart lines to clear. */
export function fulfilValues(fulfilments: Fulfilment[]): unknown[] {
  const items = fulfilments.flatMap(({ orderId, items }) => items.map((item) => ({ orderId, ...item })));
  return [
    items.map((i) => i.orderId),
    items.map((i) => i.productId),
    items.map((i) => i.sellerId),
    items.map((i) => i.name),
    items.map((i) => i.unitPrice),
    items.map((i) => i.quantity),
    items.map((i) => i.lineTotal),
    fulfilments.flatMap(({ cartLineIds }) => cartLineIds),
  ];
}
