import { QueryTypes, type Transaction } from 'sequelize';
import type { Sequelize } from 'sequelize-typescript';
import { canTransition, type OrderStatus } from '../domain/order-status';
import { AppError } from '../errors/error-codes';
import { transitionOrder } from './transition-order';

export interface StatusChange {
  orderId: string;
  /** Any status but `placed`: placing is the worker's transaction (`placeOrder`). */
  to: Exclude<OrderStatus, 'placed'>;
  /** For the history: `customer:<id>`, `seller:<id>`, `admin:<id>`. */
  actor: string;
  /** A customer acts on their own orders only: others answer 404. */
  ownerId?: string;
  /** A seller acts only on orders whose every line is theirs (403), and sees only orders with a line of theirs (404). */
  sellerId?: string;
}

/**
 * A status change by a person (customer, seller, admin), in one transaction:
 * lock the order (as the worker's placement does, so the two serialise), check
 * who may touch it and that the state machine allows the move (409
 * INVALID_TRANSITION), give the stock back when a placed order is cancelled,
 * then move it with its history row and event.
 */
export async function changeOrderStatus(db: Sequelize, change: StatusChange): Promise<void> {
  await db.transaction(async (transaction) => {
    const [order] = await db.query<{ status: OrderStatus }>(
      `SELECT status FROM orders WHERE id = $1 AND ($2::text IS NULL OR user_id = $2) FOR UPDATE`,
      { type: QueryTypes.SELECT, bind: [change.orderId, change.ownerId ?? null], transaction },
    );
    if (!order) throw orderNotFound();
    if (change.sellerId !== undefined) await assertSellerOwnsEveryLine(db, transaction, change.orderId, change.sellerId);
    if (!canTransition(order.status, change.to)) throw invalidTransition(order.status, change.to);
    if (order.status === 'placed' && change.to === 'cancelled') await restock(db, transaction, change.orderId);
    await transitionOrder(db, transaction, {
      orderId: change.orderId,
      to: change.to,
      actor: change.actor,
      ...(change.to === 'failed' && { failureReason: 'REJECTED', failureDetails: { by: change.actor } }),
    });
  });
}

export function invalidTransition(from: OrderStatus, to: OrderStatus): AppError {
  return new AppError('INVALID_TRANSITION', `An order that is ${from} cannot become ${to}`, { current_status: from });
}

export function orderNotFound(): AppError {
  return new AppError('ORDER_NOT_FOUND', 'Order not found');
}

async function assertSellerOwnsEveryLine(db: Sequelize, transaction: Transaction, orderId: string, sellerId: string) {
  const [lines] = await db.query<{ mine: number; total: number }>(
    `SELECT count(*) FILTER (WHERE seller_id = $2)::int AS mine, count(*)::int AS total FROM order_items WHERE order_id = $1`,
    { type: QueryTypes.SELECT, bind: [orderId, sellerId], transaction },
  );
  if (!lines || lines.mine === 0) throw orderNotFound();
  if (lines.mine < lines.total) {
    throw new AppError('FORBIDDEN', 'This order has lines of other sellers; an admin must move it');
  }
}

/** Gives the order's quantities back, locking products in id order like the placement does. */
async function restock(db: Sequelize, transaction: Transaction, orderId: string): Promise<void> {
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
