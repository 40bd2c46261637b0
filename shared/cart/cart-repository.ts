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

/** Exported for the bench's floor, which runs the very same statement. */
export const ADD_CART_LINE = statement(
  'cart_add_line',
  `WITH pending AS (SELECT id FROM orders WHERE user_id = $1 AND status = 'pending'),
   product AS (SELECT id, name, price, stock, active FROM products WHERE id = $2),
   lines AS (SELECT count(*)::int AS n FROM cart_items WHERE user_id = $1),
   line AS (
     INSERT INTO cart_items (user_id, product_id, quantity)
     SELECT $1, p.id, $3 FROM product p WHERE p.active AND NOT EXISTS (SELECT 1 FROM pending)
     ON CONFLICT (user_id, product_id)
       DO UPDATE SET quantity = cart_items.quantity + EXCLUDED.quantity, updated_at = now()
     RETURNING id, quantity, (xmax = 0) AS created),
   event AS (
     INSERT INTO outbox_events (type, user_id, aggregate_id, data)
     SELECT 'cart.item_added', $1, $1, jsonb_build_object(
              'product_id', p.id, 'quantity', $3::int, 'line_quantity', l.quantity, 'unit_price', p.price::text)
       FROM line l, product p
      WHERE l.quantity <= p.stock AND (NOT l.created OR (SELECT n FROM lines) < $4))
   SELECT (SELECT id FROM pending) AS "pendingOrderId", (SELECT n FROM lines) AS "linesBefore",
          p.id AS "productId", p.name, p.price, p.stock, p.active,
          l.id AS "lineId", l.quantity, l.created
     FROM (SELECT 1) AS one LEFT JOIN product p ON true LEFT JOIN line l ON true`,
);

/**
 * Adds `quantity` of a product to the user's line for it — in one statement:
 * unless the user has a pending order or the product is unknown or inactive,
 * the line is created or merged and, when the merged quantity fits the stock
 * and a new line fits `maxLines`, its `cart.item_added` event is written. The
 * caller decides from what comes back, and rolls back when it refuses.
 */
export async function addCartLine(tx: Tx, userId: string, productId: string, quantity: number, maxLines: number): Promise<CartAddition> {
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
  }>(tx, ADD_CART_LINE, [userId, productId, quantity, maxLines]);
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

/** Sets a line's quantity; null when the line is not the user's. */
export async function setCartLineQuantity(
  { db, transaction }: Tx,
  userId: string,
  lineId: string,
  quantity: number,
): Promise<(CartLineRecord & { previousQuantity: number }) | null> {
  const [row] = await db.query<CartLineRecord & { previousQuantity: number }>(
    `WITH previous AS (SELECT id, quantity FROM cart_items WHERE id = $1 AND user_id = $2 FOR UPDATE)
     UPDATE cart_items c SET quantity = $3, updated_at = now() FROM products p, previous
      WHERE c.id = previous.id AND p.id = c.product_id
      RETURNING ${LINE_COLUMNS}, previous.quantity AS "previousQuantity"`,
    { type: QueryTypes.SELECT, bind: [lineId, userId, quantity], transaction },
  );
  return row ?? null;
}

/** Deletes a line; null when the line is not the user's. */
export async function deleteCartLine(
  { db, transaction }: Tx,
  userId: string,
  lineId: string,
): Promise<{ productId: string; quantity: number; unitPrice: string } | null> {
  const [row] = await db.query<{ productId: string; quantity: number; unitPrice: string }>(
    `DELETE FROM cart_items c USING products p WHERE c.id = $1 AND c.user_id = $2 AND p.id = c.product_id
      RETURNING c.product_id AS "productId", c.quantity, p.price AS "unitPrice"`,
    { type: QueryTypes.SELECT, bind: [lineId, userId], transaction },
  );
  return row ?? null;
}

