import type { Transaction } from 'sequelize';
import type { Sequelize } from 'sequelize-typescript';
import type { EventData } from '../../shared/events/event-catalogue';
import { recordEvent } from '../../shared/events/record-event';
import { lineTotal, sumMoney } from '../../shared/domain/money';
import { isUuid } from '../../shared/domain/ids';
import { AppError } from '../../shared/errors/error-codes';
import { findProduct } from '../products/product-repository';
import { lockCartForChange } from './cart-lock';
import { MAX_LINE_QUANTITY } from './cart-schemas';
import { deleteCartLine, listCartLines, setCartLineQuantity, upsertCartLine } from './cart-repository';

/** A cart line as clients see it (contract shape, snake_case applied by the route). */
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
export async function viewCart(db: Sequelize, userId: string): Promise<Cart> {
  const items = (await listCartLines(db, userId)).map(toCartLine);
  return {
    items,
    itemsCount: items.reduce((sum, line) => sum + line.quantity, 0),
    totalPrice: sumMoney(items.map((line) => line.lineTotal)),
  };
}

/**
 * Adds a product to the cart, merging into the existing line for it.
 * The merged quantity must fit the line limit and the product's stock.
 */
export async function addToCart(
  db: Sequelize,
  userId: string,
  productId: string,
  quantity: number,
): Promise<{ line: CartLine; created: boolean }> {
  return db.transaction(async (transaction) => {
    await lockCartForChange(db, transaction, userId);
    const product = await findProduct(productId, transaction);
    if (!product?.active) throw new AppError('PRODUCT_NOT_FOUND', 'Product not found');
    const merged = await upsertCartLine(db, transaction, userId, product.id, quantity).catch(rethrowLineLimit);
    assertInStock(product.id, merged.quantity, product.stock);
    await recordCartChange(db, transaction, userId, 'cart.item_added', {
      product_id: product.id,
      quantity,
      line_quantity: merged.quantity,
      unit_price: product.price,
    });
    const line = toCartLine({ ...merged, productId: product.id, name: product.name, unitPrice: product.price });
    return { line, created: merged.created };
  });
}

/** Sets the quantity of one of the user's lines. */
export async function changeQuantity(db: Sequelize, userId: string, lineId: string, quantity: number): Promise<CartLine> {
  if (!isUuid(lineId)) throw cartLineNotFound();
  return db.transaction(async (transaction) => {
    await lockCartForChange(db, transaction, userId);
    const line = await setCartLineQuantity(db, transaction, userId, lineId, quantity);
    if (!line) throw cartLineNotFound();
    if (!line.active) throw new AppError('PRODUCT_NOT_FOUND', 'Product is no longer available');
    assertInStock(line.productId, quantity, line.stock);
    const delta = quantity - line.previousQuantity;
    if (delta !== 0) {
      await recordCartChange(db, transaction, userId, delta > 0 ? 'cart.item_added' : 'cart.item_removed', {
        product_id: line.productId,
        quantity: Math.abs(delta),
        line_quantity: quantity,
        unit_price: line.unitPrice,
      });
    }
    return toCartLine(line);
  });
}

/** Removes one of the user's lines. */
export async function removeFromCart(db: Sequelize, userId: string, lineId: string): Promise<void> {
  if (!isUuid(lineId)) throw cartLineNotFound();
  await db.transaction(async (transaction) => {
    await lockCartForChange(db, transaction, userId);
    const removed = await deleteCartLine(db, transaction, userId, lineId);
    if (!removed) throw cartLineNotFound();
    await recordCartChange(db, transaction, userId, 'cart.item_removed', {
      product_id: removed.productId,
      quantity: removed.quantity,
      line_quantity: 0,
      unit_price: removed.unitPrice,
    });
  });
}

/** Cart events are ordered per user: the cart is the user's. */
function recordCartChange(
  db: Sequelize,
  transaction: Transaction,
  userId: string,
  type: 'cart.item_added' | 'cart.item_removed',
  data: EventData<'cart.item_added'>,
): Promise<void> {
  return recordEvent(db, transaction, { type, userId, aggregateId: userId, data });
}

function assertInStock(productId: string, quantity: number, stock: number): void {
  if (quantity > stock) {
    throw new AppError('OUT_OF_STOCK', `Only ${stock} in stock`, { product_id: productId, available: stock });
  }
}

function rethrowLineLimit(error: { original?: { code?: string } }): never {
  if (error.original?.code === '23514') {
    throw new AppError('CART_LINE_LIMIT', `A cart line holds at most ${MAX_LINE_QUANTITY} units`);
  }
  throw error;
}

function cartLineNotFound(): AppError {
  return new AppError('CART_ITEM_NOT_FOUND', 'Cart item not found');
}

function toCartLine(row: { id: string; productId: string; name: string; unitPrice: string; quantity: number }): CartLine {
  const { id, productId, name, unitPrice, quantity } = row;
  return { id, productId, name, unitPrice, quantity, lineTotal: lineTotal(unitPrice, quantity) };
}
