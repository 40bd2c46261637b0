import type { Database } from '../db/database';
import type { Statement } from '../db/prepared';
import { isCheckViolation } from '../db/sql-errors';
import { inTransaction } from '../db/transaction';
import { lineTotal, sumMoney } from '../domain/money';
import { AppError } from '../errors/error-codes';
import { ADD_CART_LINE, LOCK_CART, addCartLine, deleteCartLine, listCartLines, lockCart, setCartLineQuantity } from './cart-repository';
import { assertInStock, cartLineNotFound, checkoutInProgress, MAX_LINE_QUANTITY } from './cart-rules';

/** The statements adding to a cart runs (a new process plans them at start-up: openWarmConnections). */
export const CART_ADD_STATEMENTS: readonly Statement[] = [LOCK_CART, ADD_CART_LINE];

/** A cart line as clients see it (contract shape, snake_case applied by the HTTP view). */
export interface CartLine {
  id: string;
  productId: string;
  name: string;
  unitPrice: string;
  quantity: number;
  lineTotal: string;
}

export interface Cart {
  items: CartLine[];
  itemsCount: number;
  totalPrice: string;
}

/** The user's cart priced at current product prices. */
export async function viewCart(db: Database, userId: string): Promise<Cart> {
  const items = (await listCartLines(db, userId)).map(toCartLine);
  return {
    items,
    itemsCount: items.reduce((sum, line) => sum + line.quantity, 0),
    totalPrice: sumMoney(items.map((line) => line.lineTotal)),
  };
}

/** Limits that keep one cart from holding (and a placement from locking) the whole catalogue. */
export interface CartLimits {
  /** Distinct products a cart may hold. */
  maxLines: number;
}

/**
 * Adds a product to the cart, merging into the existing line for it.
 * The merged quantity must fit the line limit and the product's stock; a new
 * line must fit `maxLines` (422 CART_TOO_LARGE).
 */
export function addToCart(
  db: Database,
  userId: string,
  productId: string,
  quantity: number,
  { maxLines }: CartLimits,
): Promise<{ line: CartLine; created: boolean }> {
  return inTransaction(db, async (tx) => {
    await lockCart(tx, userId);
    // one statement checks and writes; a refusal below rolls it back
    const { pendingOrderId, product, line, linesBefore } = await addCartLine(tx, userId, productId, quantity).catch(
      rethrowLineLimit,
    );
    if (pendingOrderId) throw checkoutInProgress(pendingOrderId);
    if (!product?.active || !line) throw new AppError('PRODUCT_NOT_FOUND', 'Product not found');
    assertInStock(product.id, line.quantity, product.stock);
    if (line.created && linesBefore >= maxLines) {
      throw new AppError('CART_TOO_LARGE', `A cart holds at most ${maxLines} different products`, { max_lines: maxLines });
    }
    return {
      line: toCartLine({ ...line, productId: product.id, name: product.name, unitPrice: product.price }),
      created: line.created,
    };
  });
}

/** Sets the quantity of one of the user's lines. */
export function changeQuantity(db: Database, userId: string, lineId: string, quantity: number): Promise<CartLine> {
  return inTransaction(db, async (tx) => {
    await lockCart(tx, userId);
    // one statement checks and writes (the line and its event); a refusal below rolls it back
    const { pendingOrderId, line } = await setCartLineQuantity(tx, userId, lineId, quantity);
    if (pendingOrderId) throw checkoutInProgress(pendingOrderId);
    if (!line) throw cartLineNotFound();
    if (!line.active) throw new AppError('PRODUCT_NOT_FOUND', 'Product is no longer available');
    assertInStock(line.productId, quantity, line.stock);
    return toCartLine(line);
  });
}

/** Removes one of the user's lines. */
export async function removeFromCart(db: Database, userId: string, lineId: string): Promise<void> {
  await inTransaction(db, async (tx) => {
    await lockCart(tx, userId);
    const { pendingOrderId, line } = await deleteCartLine(tx, userId, lineId);
    if (pendingOrderId) throw checkoutInProgress(pendingOrderId);
    if (!line) throw cartLineNotFound();
  });
}

function rethrowLineLimit(error: unknown): never {
  if (isCheckViolation(error)) {
    throw new AppError('CART_LINE_LIMIT', `A cart line holds at most ${MAX_LINE_QUANTITY} units`);
  }
  throw error;
}

function toCartLine(row: { id: string; productId: string; name: string; unitPrice: string; quantity: number }): CartLine {
  const { id, productId, name, unitPrice, quantity } = row;
  return { id, productId, name, unitPrice, quantity, lineTotal: lineTotal(unitPrice, quantity) };
}
