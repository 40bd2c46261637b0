import type { Sequelize } from 'sequelize-typescript';
import { changeOrderStatus } from '../../shared/orders/change-order-status';

/**
 * Cancels an order: from pending before any stock moved, from placed with the
 * stock given back in the same transaction. `ownerId` limits it to that user's orders.
 */
export function cancelOrder(db: Sequelize, orderId: string, actor: string, ownerId?: string): Promise<void> {
  return changeOrderStatus(db, { orderId, to: 'cancelled', actor, ownerId });
}
