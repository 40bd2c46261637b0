import type { Database } from '../db/database';
import { inTransaction, type Tx } from '../db/transaction';
import { canTransition, type OrderStatus } from '../domain/order-status';
import { AppError } from '../errors/error-codes';
import { restockOrder } from '../products/product-repository';
import { invalidTransition, orderNotFound } from './order-errors';
import { countSellerLines } from './order-item-repository';
import { orderCancelled, orderFailed, orderMoved, type OrderEvent } from './order-events';
import { lockOrder, orderStatusOf, type LockedOrder } from './order-repository';
import { transitionOrder } from './order-status-repository';

export interface StatusChange {
  orderId: string;
  /** Any status but `placed`: placing is the placement's transaction (`placeOrder`). */
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
 * lock the order (as the placement does, so the two serialise), check who
 * may touch it and that the state machine allows the move (409
 * INVALID_TRANSITION), give the stock back when a placed order is cancelled,
 * then move it with its history row and event.
 */
export async function changeOrderStatus(db: Database, change: StatusChange): Promise<void> {
  await inTransaction(db, async (tx) => {
    const order = await lockOrder(tx, change.orderId, change.ownerId);
    if (!order) throw orderNotFound();
    if (change.sellerId !== undefined) await assertSellerOwnsEveryLine(tx, change.orderId, change.sellerId);
    if (!canTransition(order.status, change.to)) throw invalidTransition(order.status, change.to);
    if (order.status === 'placed' && change.to === 'cancelled') await restockOrder(tx, change.orderId);
    await transitionOrder(tx, {
      orderId: change.orderId,
      event: statusChangeEvent(order, change.to),
      actor: change.actor,
      ...(change.to === 'failed' && { failureDetails: { by: change.actor } }),
    });
  }, {
    // the COMMIT's answer was lost: the move happened if the order has its new status
    committed: async () => (await orderStatusOf(db, change.orderId)) === change.to,
  });
}

/** The event of a person's move of `order` to `to` (which the state machine allows): a refusal fails it as REJECTED. */
export function statusChangeEvent(order: LockedOrder, to: StatusChange['to']): OrderEvent {
  switch (to) {
    case 'cancelled':
      return orderCancelled(order);
    case 'failed':
      return orderFailed(order.id, 'REJECTED');
    case 'shipped':
    case 'delivered':
      return orderMoved(order.id, `order.${to}`);
    case 'pending':
      throw invalidTransition(order.status, to);
  }
}

async function assertSellerOwnsEveryLine(tx: Tx, orderId: string, sellerId: string): Promise<void> {
  const lines = await countSellerLines(tx, orderId, sellerId);
  if (lines.mine === 0) throw orderNotFound();
  if (lines.mine < lines.total) {
    throw new AppError('FORBIDDEN', 'This order has lines of other sellers; an admin must move it');
  }
}
