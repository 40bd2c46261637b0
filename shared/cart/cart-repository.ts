import { QueryTypes } from 'sequelize';
import type { Database } from '../db/database';
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

/** Serialises a user's cart mutations and checkouts for the rest of the transaction. */
export async function lockCart({ db, transaction }: Tx, userId: string): Promise<void> {
  await db.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', { bind: [ADVISORY_LOCKS.cartNamespace, userId], transaction });
}

/** The user's cart, oldest line first. */
export function listCartLines(db: Database, userId: string): Promise<CartLineRecord[]> {
  return db.query<CartLineRecord>(
    `SELECT ${LINE_COLUMNS} FROM cart_items c JOIN products p ON p.id = c.product_id
      WHERE c.user_id = $1 ORDER BY c.created_at, c.id`,
    { type: QueryTypes.SELECT, bind: [userId] },
  );
}

/**
 * Adds `quantity` of a product to the user's line for it, creating the line
 * if needed (one statement, safe under concurrent adds). `created` tells which.
 */
export async function upsertCartLine(
  { db, transaction }: Tx,
  userId: string,
  productId: string,
  quantity: number,
): Promise<{ id: string; quantity: number; created: boolean }> {
  const [row] = await db.query<{ id: string; quantity: number; created: boolean }>(
    `INSERT INTO cart_items (user_id, product_id, quantity) VALUES ($1, $2, $3)
     ON CONFLICT (user_id, product_id)
       DO UPDATE SET quantity = cart_items.quantity + EXCLUDED.quantity, updated_at = now()
     RETURNING id, quantity, (xmax = 0) AS created`,
    { type: QueryTypes.SELECT, bind: [userId, productId, quantity], transaction },
  );
  return row!;
}

/** How many distinct products the user's cart holds. */
export async function countCartLines({ db, transaction }: Tx, userId: string): Promise<number> {
  const [row] = await db.query<{ lines: number }>('SELECT count(*)::int AS lines FROM cart_items WHERE user_id = $1', {
    type: QueryTypes.SELECT,
    bind: [userId],
    transaction,
  });
  return row?.lines ?? 0;
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

/** Locks the user's cart lines for a placement, in product order. */
export function lockCartLines({ db, transaction }: Tx, userId: string): Promise<CartLineToOrder[]> {
  return db.query<CartLineToOrder>(
    `SELECT id, product_id AS "productId", quantity FROM cart_items
      WHERE user_id = $1 ORDER BY product_id FOR UPDATE`,
    { type: QueryTypes.SELECT, bind: [userId], transaction },
  );
}

/** Removes exactly the cart lines that became the order (lines added meanwhile stay). */
export async function clearCartLines({ db, transaction }: Tx, lineIds: string[]): Promise<void> {
  await db.query('DELETE FROM cart_items WHERE id = ANY($1::uuid[])', { bind: [lineIds], transaction });
}
