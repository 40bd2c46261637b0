import { QueryTypes } from 'sequelize';
import type { Database } from '../db/database';
import { rows, run, statement } from '../db/prepared';
import { ADVISORY_LOCKS } from '../db/session';
import type { Tx } from '../db/transaction';

/** A cart line joined with its product's current name, price, stock and state. */
export interface CartLineRecord {
  id: string;
  productId: string;
  name: string;
  unitPrice: string;
  quantity: number;
  stock: number;
  active: boolean;
  createdAt: Date;
}

/** A cart line as a placement takes it: exactly these lines are ordered and, on success, removed. */
export interface CartLineToOrder {
  id: string;
  productId: string;
  quantity: number;
}

const LINE_COLUMNS = `c.id, c.product_id AS "productId", p.name, p.price AS "unitPrice", c.quantity,
  p.stock, p.active, c.created_at AS "createdAt"`;

/** Exported for the bench's floor, which runs the very same statement. */
export const LOCK_CART = statement('cart_lock', 'SELECT pg_advisory_xact_lock($1, hashtext($2))');

/** Exported for the bench's floor, which runs the very same statement. */
export const LOCK_CARTS = statement(
  'cart_lock_many',
  'SELECT pg_advisory_xact_lock($1, hashtext(u)) FROM (SELECT DISTINCT u FROM unnest($2::text[]) AS t(u) ORDER BY u) users',
);

/**
 * Locks the carts of several users (a group of checkouts) as `lockCart` locks
 * one, in user order: two groups never wait on each other in a circle. One user:
 * the same lock as `lockCart`, by the same statement.
 */
export async function lockCarts(tx: Tx, userIds: string[]): Promise<void> {
  const users = [...new Set(userIds)];
  if (users.length === 1) await lockCart(tx, users[0]!);
  else await run(tx, LOCK_CARTS, [ADVISORY_LOCKS.cartNamespace, users]);
}

/** Serialises a user's cart mutations and checkouts for the rest of the transaction. */
export async function lockCart(tx: Tx, userId: string): Promise<void> {
  await run(tx, LOCK_CART, [ADVISORY_LOCKS.cartNamespace, userId]);
}

/** What adding to the cart found and did, in one statement (see `addCartLine`). */
export interface CartAddition {
  /** The user's pending order: set, nothing was written. */
  pendingOrderId: string | null;
  /** The product as it is now; null (nothing written) when unknown. */
  product: { id: string; name: string; price: string; stock: number; active: boolean } | null;
  /** The merged line; null when nothing was written (pending order, unknown or inactive product). */
  line: { id: string; quantity: number; created: boolean } | null;
  /** Distinct products in the cart before this addition. */
  linesBefore: number;
}

/** The user's ($1's) pending order: while there is one, a checkout is turning the cart into it, and the cart refuses changes. */
const PENDING = `pending AS (SELECT id FROM orders WHERE user_id = $1 AND status = 'pending')`;

/**
 * The cart event of a line change, from `change` — a CTE of `product_id`, `moved` (units added; negative: removed),
 * `line_quantity` (after the change) and `unit_price`: the one place the data of cart.item_added and cart.item_removed
 * is built (their schema is the event catalogue's; the envelope test checks every event against it). Written in the
 * change's own statement, from its own reads (the line as merged, the current price); a change the service then
 * refuses rolls back with it.
 */
const cartEvent = (change: string) => `event AS (
     INSERT INTO outbox_events (type, user_id, aggregate_id, data)
     SELECT CASE WHEN moved > 0 THEN 'cart.item_added' ELSE 'cart.item_removed' END, $1, $1, jsonb_build_object(
              'product_id', product_id, 'quantity', abs(moved), 'line_quantity', line_quantity, 'unit_price', unit_price::text)
       FROM ${change} WHERE moved <> 0)`;

/** Exported for the bench's floor, which runs the very same statement. */
export const ADD_CART_LINE = statement(
  'cart_add_line',
  `WITH ${PENDING},
   product AS (SELECT id, name, price, stock, active FROM products WHERE id = $2),
   lines AS (SELECT count(*)::int AS n FROM cart_items WHERE user_id = $1),
   line AS (
     INSERT INTO cart_items (user_id, product_id, quantity)
     SELECT $1, p.id, $3 FROM product p WHERE p.active AND NOT EXISTS (SELECT 1 FROM pending)
     ON CONFLICT (user_id, product_id)
       DO UPDATE SET quantity = cart_items.quantity + EXCLUDED.quantity, updated_at = now()
     RETURNING id, quantity, (xmax = 0) AS created),
   added AS (SELECT p.id AS product_id, $3::int AS moved, l.quantity AS line_quantity, p.price AS unit_price FROM line l, product p),
   ${cartEvent('added')}
   SELECT (SELECT id FROM pending) AS "pendingOrderId", (SELECT n FROM lines) AS "linesBefore",
          p.id AS "productId", p.name, p.price, p.stock, p.active,
          l.id AS "lineId", l.quantity, l.created
     FROM (SELECT 1) AS one LEFT JOIN product p ON true LEFT JOIN line l ON true`,
);

/**
 * Adds `quantity` of a product to the user's line for it — in one statement:
 * unless the user has a pending order or the product is unknown or inactive,
 * the line is created or merged and its `cart.item_added` event written. The
 * caller decides from what comes back (stock, the line limit), and rolls back
 * when it refuses.
 */
export async function addCartLine(tx: Tx, userId: string, productId: string, quantity: number): Promise<CartAddition> {
  const [row] = await rows<{
    pendingOrderId: string | null;
    linesBefore: number;
    productId: string | null;
    name: string;
    price: string;
    stock: number;
    active: boolean;
    lineId: string | null;
    quantity: number;
    created: boolean;
  }>(tx, ADD_CART_LINE, [userId, productId, quantity]);
  const found = row!;
  return {
    pendingOrderId: found.pendingOrderId,
    linesBefore: found.linesBefore,
    product: found.productId
      ? { id: found.productId, name: found.name, price: found.price, stock: found.stock, active: found.active }
      : null,
    line: found.lineId ? { id: found.lineId, quantity: found.quantity, created: found.created } : null,
  };
}

/** The user's cart, oldest line first. */
export function listCartLines(db: Database, userId: string): Promise<CartLineRecord[]> {
  return db.query<CartLineRecord>(
    `SELECT ${LINE_COLUMNS} FROM cart_items c JOIN products p ON p.id = c.product_id
      WHERE c.user_id = $1 ORDER BY c.created_at, c.id`,
    { type: QueryTypes.SELECT, bind: [userId] },
  );
}

/** What a change of one line found and did, in one statement: nothing while a checkout is pending. */
export interface LineChange<T> {
  pendingOrderId: string | null;
  /** The line as changed; null when nothing was written (pending order, or not the user's line). */
  line: T | null;
}

const SET_LINE_QUANTITY = statement(
  'cart_set_line_quantity',
  `WITH ${PENDING},
   previous AS (SELECT id, quantity FROM cart_items
                 WHERE id = $2 AND user_id = $1 AND NOT EXISTS (SELECT 1 FROM pending) FOR UPDATE),
   line AS (
     UPDATE cart_items c SET quantity = $3, updated_at = now() FROM products p, previous
      WHERE c.id = previous.id AND p.id = c.product_id
      RETURNING ${LINE_COLUMNS}),
   changed AS (SELECT l."productId" AS product_id, l.quantity - p.quantity AS moved, l.quantity AS line_quantity,
                      l."unitPrice" AS unit_price FROM line l, previous p),
   ${cartEvent('changed')}
   SELECT (SELECT id FROM pending) AS "pendingOrderId", l.* FROM (SELECT 1) AS one LEFT JOIN line l ON true`,
);

/** Sets a line's quantity and writes its cart event, unless a checkout is pending or the line is not the user's. */
export async function setCartLineQuantity(tx: Tx, userId: string, lineId: string, quantity: number): Promise<LineChange<CartLineRecord>> {
  const [row] = await rows<CartLineRecord & { pendingOrderId: string | null }>(tx, SET_LINE_QUANTITY, [userId, lineId, quantity]);
  const { pendingOrderId, ...line } = row!;
  return { pendingOrderId, line: line.id ? line : null };
}

const DELETE_LINE = statement(
  'cart_delete_line',
  `WITH ${PENDING},
   line AS (
     DELETE FROM cart_items c USING products p
      WHERE c.id = $2 AND c.user_id = $1 AND p.id = c.product_id AND NOT EXISTS (SELECT 1 FROM pending)
      RETURNING c.product_id, c.quantity, p.price),
   removed AS (SELECT product_id, -quantity AS moved, 0 AS line_quantity, price AS unit_price FROM line),
   ${cartEvent('removed')}
   SELECT (SELECT id FROM pending) AS "pendingOrderId", l.product_id AS "productId" FROM (SELECT 1) AS one LEFT JOIN line l ON true`,
);

/** Deletes a line and writes its cart event, unless a checkout is pending or the line is not the user's. */
export async function deleteCartLine(tx: Tx, userId: string, lineId: string): Promise<LineChange<{ productId: string }>> {
  const [row] = await rows<{ pendingOrderId: string | null; productId: string | null }>(tx, DELETE_LINE, [userId, lineId]);
  const { pendingOrderId, productId } = row!;
  return { pendingOrderId, line: productId ? { productId } : null };
}
