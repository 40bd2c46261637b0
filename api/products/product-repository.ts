import { literal, QueryTypes, type Transaction } from 'sequelize';
import type { Sequelize } from 'sequelize-typescript';
import { Product } from '../../shared/db/models/product';
import type { Cursor } from '../http/cursor';

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

export type ProductChanges = Partial<Pick<ProductRecord, 'name' | 'price' | 'stock' | 'active' | 'sellerId'>> & {
  /** Relative stock change, applied atomically (`stock = stock + delta`): safe against concurrent sales. */
  stockDelta?: number;
};

const COLUMNS = `id, name, price, stock, seller_id AS "sellerId", active, created_at AS "createdAt", updated_at AS "updatedAt"`;

/** Active products in catalogue order (created_at, id), `limit` rows after `after`. */
export function listActiveProducts(db: Sequelize, limit: number, after?: Cursor): Promise<ProductRecord[]> {
  const keyset = after ? 'AND (created_at, id) > ($2, $3)' : '';
  return db.query<ProductRecord>(
    `SELECT ${COLUMNS} FROM products WHERE active ${keyset} ORDER BY created_at, id LIMIT $1`,
    { type: QueryTypes.SELECT, bind: after ? [limit, after.createdAt, after.id] : [limit] },
  );
}

/** The product, whether active or not; null when unknown. */
export async function findProduct(id: string, transaction?: Transaction): Promise<ProductRecord | null> {
  const product = await Product.findByPk(id, { transaction });
  return product ? toRecord(product) : null;
}

export async function insertProduct(
  values: Pick<ProductRecord, 'name' | 'price' | 'stock' | 'sellerId'>,
): Promise<ProductRecord> {
  return toRecord(await Product.create(values));
}

/** Applies `changes` in one statement; null when the product is unknown. */
export async function updateProduct(id: string, { stockDelta, ...changes }: ProductChanges): Promise<ProductRecord | null> {
  const values = stockDelta === undefined ? changes : { ...changes, stock: literal(`stock + ${Math.trunc(stockDelta)}`) };
  const [, rows] = await Product.update(values, { where: { id }, returning: true });
  return rows[0] ? toRecord(rows[0]) : null;
}

function toRecord(product: Product): ProductRecord {
  const { id, name, price, stock, sellerId, active, createdAt, updatedAt } = product.get({ plain: true }) as Product;
  return { id, name, price, stock, sellerId, active, createdAt, updatedAt };
}
