import { literal, QueryTypes } from 'sequelize';
import type { Database } from '../db/database';
import { Product } from '../db/models/product';
import { rows, statement } from '../db/prepared';
import { unitOf, type ReadContext, type Tx } from '../db/transaction';
import type { Cursor } from '../pagination/cursor';

/** A product as the data layer hands it out: a plain object. */
export interface ProductRecord {
  id: string;
  name: string;
  price: string;
  stock: number;
  sellerId: string | null;
  active: boolean;
  createdAt: Date;
  updatedAt: Date;
}

export type NewProduct = Pick<ProductRecord, 'name' | 'price' | 'stock' | 'sellerId'>;

export type ProductChanges = Partial<Pick<ProductRecord, 'name' | 'price' | 'stock' | 'active' | 'sellerId'>> & {
  /** Relative stock change, applied atomically (`stock = stock + delta`): safe against concurrent sales. */
  stockDelta?: number;
  /** With an absolute `stock`: the change applies only while the stock is still this (compare and set). */
  expectedStock?: number;
};

/** A product as a placement sees it, locked for the rest of the transaction. */
export interface ProductForSale {
  id: string;
  name: string;
  price: string;
  stock: number;
  active: boolean;
  sellerId: string | null;
}

const COLUMNS = `id, name, price, stock, seller_id AS "sellerId", active, created_at AS "createdAt", updated_at AS "updatedAt"`;

/** Active products in catalogue order (created_at, id), `limit` rows after `after`. */
export function listActiveProducts(db: Database, limit: number, after?: Cursor): Promise<ProductRecord[]> {
  const keyset = after ? 'AND (created_at, id) > ($2, $3)' : '';
  return db.query<ProductRecord>(
    `SELECT ${COLUMNS} FROM products WHERE active ${keyset} ORDER BY created_at, id LIMIT $1`,
    { type: QueryTypes.SELECT, bind: after ? [limit, after.createdAt, after.id] : [limit] },
  );
}

/** The product, whether active or not; null when unknown. */
export async function findProduct(on: ReadContext, id: string): Promise<ProductRecord | null> {
  const { db, transaction } = unitOf(on);
  const product = await db.getRepository(Product).findByPk(id, { transaction });
  return product ? toRecord(product) : null;
}

export async function insertProduct(db: Database, values: NewProduct): Promise<ProductRecord> {
  return toRecord(await db.getRepository(Product).create(values));
}

/** Creates or overwrites the product with this id, active (demo data and imports). */
export async function upsertProduct(db: Database, values: NewProduct & { id: string }): Promise<void> {
  await db.getRepository(Product).upsert({ ...values, active: true });
}

/**
 * Applies `changes` in one statement; null when the product is unknown or,
 * with `expectedStock`, its stock is no longer that.
 */
export async function updateProduct(
  db: Database,
  id: string,
  { stockDelta, expectedStock, ...changes }: ProductChanges,
): Promise<ProductRecord | null> {
  const values = stockDelta === undefined ? changes : { ...changes, stock: literal(`stock + ${Math.trunc(stockDelta)}`) };
  const where = expectedStock === undefined ? { id } : { id, stock: expectedStock };
  const [, rows] = await db.getRepository(Product).update(values, { where, returning: true });
  return rows[0] ? toRecord(rows[0]) : null;
}

/**
 * Locks the products in id order. Every placement and restock locks in the
 * same order, so two orders that share products wait for each other instead
 * of deadlocking. NO KEY UPDATE: stock changes, the key does not, so cart
 * lines referencing the product (FOR KEY SHARE in their foreign-key check)
 * need not wait.
 */
export function lockProductsForSale(tx: Tx, productIds: string[]): Promise<ProductForSale[]> {
  return rows<ProductForSale>(tx, LOCK_PRODUCTS_FOR_SALE, [productIds]);
}
/** Exported for the bench's floor, which runs the very same statement. */
export const LOCK_PRODUCTS_FOR_SALE = statement(
  'products_lock_for_sale',
  `SELECT id, name, price, stock, active, seller_id AS "sellerId" FROM products
    WHERE id = ANY($1::uuid[]) ORDER BY id FOR NO KEY UPDATE`,
);

/** Gives an order's quantities back, locking the products in id order like the placement does. */
export async function restockOrder({ db, transaction }: Tx, orderId: string): Promise<void> {
  await db.query(
    `SELECT p.id FROM products p JOIN order_items i ON i.product_id = p.id
      WHERE i.order_id = $1 ORDER BY p.id FOR NO KEY UPDATE OF p`,
    { bind: [orderId], transaction },
  );
  await db.query(
    `UPDATE products p SET stock = p.stock + i.quantity, updated_at = now()
       FROM order_items i WHERE i.order_id = $1 AND p.id = i.product_id`,
    { bind: [orderId], transaction },
  );
}

function toRecord(product: Product): ProductRecord {
  const { id, name, price, stock, sellerId, active, createdAt, updatedAt } = product.get({ plain: true }) as Product;
  return { id, name, price, stock, sellerId, active, createdAt, updatedAt };
}
