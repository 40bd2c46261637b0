import type { Database } from '../db/database';
import type { Statement } from '../db/prepared';
import type { OrderStatus } from '../domain/order-status';
import { decodeCursor, paginate, type Page } from '../pagination/cursor';
import { placeOrder } from '../placement/place-order';
import { changeOrderStatus } from './change-order-status';
import { invalidTransition, orderNotFound } from './order-errors';
import { FIND_ORDER, FIND_OWN_ORDERS, findOrder, listOrders, type OrderListFilter, type OrderRecord, type OrderViewer } from './order-repository';

/** The statements an order poll runs (a new process plans them at start-up: openWarmConnections). */
export const ORDER_READ_STATEMENTS: readonly Statement[] = [FIND_ORDER, FIND_OWN_ORDERS];

/** One order with items and history, as `viewer` may see it; 404 ORDER_NOT_FOUND otherwise. */
export async function getOrder(db: Database, orderId: string, viewer: OrderViewer = {}): Promise<OrderRecord> {
  const order = await findOrder(db, orderId, viewer);
  if (!order) throw orderNotFound();
  return order;
}

/** One page of orders, newest first: a customer's, a seller's or (no filter) everyone's. */
export async function listOrderPage(
  db: Database,
  filter: Pick<OrderListFilter, 'userId' | 'sellerId'>,
  { limit, cursor, status }: { limit: number; cursor?: string; status?: OrderStatus },
): Promise<Page<OrderRecord>> {
  const rows = await listOrders(db, { ...filter, status, limit: limit + 1, before: cursor ? decodeCursor(cursor) : undefined });
  return paginate(rows, limit);
}

/**
 * A customer cancels their order: from pending before any stock moved, from
 * placed with the stock given back in the same transaction.
 */
export async function cancelOrder(db: Database, { orderId, actor, ownerId }: { orderId: string; actor: string; ownerId: string }) {
  await changeOrderStatus(db, { orderId, to: 'cancelled', actor, ownerId });
  return getOrder(db, orderId, { ownerId });
}

/** A seller ships or delivers an order whose every line is theirs; they see only their lines. */
export async function moveOrderAsSeller(
  db: Database,
  { orderId, to, sellerId }: { orderId: string; to: 'shipped' | 'delivered'; sellerId: string },
): Promise<OrderRecord> {
  await changeOrderStatus(db, { orderId, to, actor: `seller:${sellerId}`, sellerId });
  return getOrder(db, orderId, { sellerId });
}

/**
 * An admin makes any move the state machine allows. Placing means taking
 * stock and writing items: the same `placeOrder` the worker runs, whoever
 * asks (a placement that fails marks the order failed, and the answer shows it).
 */
export async function moveOrderAsAdmin(
  db: Database,
  { orderId, to, adminId }: { orderId: string; to: OrderStatus; adminId: string },
): Promise<OrderRecord> {
  const actor = `admin:${adminId}`;
  if (to === 'placed') {
    const outcome = await placeOrder(db, orderId, actor);
    if (outcome.status === 'missing') throw orderNotFound();
    if (outcome.status === 'skipped') throw invalidTransition(outcome.current, to);
  } else {
    await changeOrderStatus(db, { orderId, to, actor });
  }
  return getOrder(db, orderId);
}
