import { QueryTypes, type Transaction } from 'sequelize';
import type { Sequelize } from 'sequelize-typescript';
import { canTransition, type OrderStatus } from '../../shared/domain/order-status';
import { AppError } from '../../shared/errors/error-codes';
import { transitionOrder } from '../../shared/orders/transition-order';

/**
 * Cancels an order in one transaction. The order row is locked first, as the
 * worker's placement does, so a cancel racing the placement waits for it: a
 * pending order is cancelled before any stock moves, a placed one gets its
 * stock back exactly once. `ownerId` limits it to that user's orders.
 */
export async function cancelOrder(db: Sequelize, orderId: string, actor: string, ownerId?: string): Promise<void> {
  await db.transaction(async (transaction) => {
    const [order] = await db.query<{ status: OrderStatus }>(
      `SELECT status FROM orders WHERE id = $1 AND ($2::text IS NULL OR user_id = $2) FOR UPDATE`,
      { type: QueryTypes.SELECT, bind: [orderId, ownerId ?? null], transaction },
    );
    if (!order) throw new AppError('ORDER_NOT_FOUND', 'Order not found');
    if (!canTransition(order.status, 'cancelled')) {
      throw new AppError('INVALID_TRANSITION', `An order that is ${order.status} cannot be cancelled`, {
        current_status: order.status,
      });
    }
    if (order.status === 'placed') await restock(db, transaction, orderId);
    await transitionOrder(db, transaction, { orderId, to: 'cancelled', actor });
  });
}

/** Gives the order's quantities back, locking products in id order like the placement does. */
async function restock(db: Sequelize, transaction: Transaction, orderId: string): Promise<void> {
  await db.query(
    `SELECT p.id FROM products p JOIN order_items i ON i.product_id = p.id
      WHERE i.order_id = $1 ORDER BY p.id FOR UPDATE OF p`,
    { bind: [orderId], transaction },
  );
  await db.query(
    `UPDATE products p SET stock = p.stock + i.quantity, updated_at = now()
       FROM order_items i WHERE i.order_id = $1 AND p.id = i.product_id`,
    { bind: [orderId], transaction },
  );
}
