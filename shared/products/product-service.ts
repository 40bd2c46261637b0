import type { Database } from '../db/database';
import { isCheckViolation, isNumericOutOfRange } from '../db/sql-errors';
import { normalizeMoney } from '../domain/money';
import { AppError } from '../errors/error-codes';
import { decodeCursor, paginate, type Page } from '../pagination/cursor';
import {
  findProduct,
  insertProduct,
  listActiveProducts,
  updateProduct,
  upsertProduct,
  type NewProduct,
  type ProductChanges,
  type ProductRecord,
} from './product-repository';

/** One page of the public catalogue (active products), after `cursor`. */
export async function listProducts(db: Database, { limit, cursor }: { limit: number; cursor?: string }): Promise<Page<ProductRecord>> {
  const rows = await listActiveProducts(db, limit + 1, cursor ? decodeCursor(cursor) : undefined);
  return paginate(rows, limit);
}

/** An active product; 404 PRODUCT_NOT_FOUND for an unknown or inactive one. */
export async function getActiveProduct(db: Database, id: string): Promise<ProductRecord> {
  const product = await findProduct(db, id);
  if (!product?.active) throw productNotFound();
  return product;
}

/** Adds or replaces the product with this id, active (price normalised to two places): the demo catalogue's seeding. */
export function saveProduct(db: Database, values: NewProduct & { id: string }): Promise<void> {
  return upsertProduct(db, { ...values, price: normalizeMoney(values.price) });
}

/** Adds a product to the catalogue (price normalised to two places). */
export function createProduct(db: Database, values: NewProduct): Promise<ProductRecord> {
  return insertProduct(db, { ...values, price: normalizeMoney(values.price) });
}

/**
 * Changes a product in one statement. An absolute `stock` needs
 * `expectedStock` — the stock the admin saw — so that units sold meanwhile
 * are not given back (428 PRECONDITION_REQUIRED without it, 409
 * STOCK_CHANGED when it moved; both say the current stock). Deliveries use
 * `stockDelta`; one that would go below zero is 409 OUT_OF_STOCK.
 */
export async function changeProduct(db: Database, id: string, changes: ProductChanges): Promise<ProductRecord> {
  if (changes.expectedStock !== undefined && changes.stock === undefined) {
    throw new AppError('VALIDATION_ERROR', 'body/expected_stock goes with an absolute stock');
  }
  if (changes.stock !== undefined && changes.expectedStock === undefined) {
    const current = await findProduct(db, id);
    if (!current) throw productNotFound();
    throw new AppError('PRECONDITION_REQUIRED', 'An absolute stock needs expected_stock (the stock you saw); use stock_delta to add a delivery', {
      current_stock: current.stock,
    });
  }
  const normalized = changes.price === undefined ? changes : { ...changes, price: normalizeMoney(changes.price) };
  const product = await updateProduct(db, id, normalized).catch((error: unknown) => {
    if (isCheckViolation(error) || isNumericOutOfRange(error)) {
      throw new AppError('OUT_OF_STOCK', 'stock_delta would take the stock below zero or beyond its range');
    }
    throw error;
  });
  if (product) return product;
  const current = changes.expectedStock === undefined ? null : await findProduct(db, id);
  if (!current) throw productNotFound();
  throw new AppError('STOCK_CHANGED', `The stock is ${current.stock} now, not ${changes.expectedStock}`, { current_stock: current.stock });
}

export function productNotFound(): AppError {
  return new AppError('PRODUCT_NOT_FOUND', 'Product not found');
}
