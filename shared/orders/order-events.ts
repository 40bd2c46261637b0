import type { FailureReason } from '../domain/order-status';
import type { Shortage } from '../domain/shortage';
import type { EventData, EventType } from '../events/event-catalogue';
import type { PricedItem } from './order-item-repository';
import type { LockedOrder } from './order-repository';

/** The `order.<status>` event types: one per status an order can be moved to. */
export type OrderEventType = Extract<EventType, `order.${string}`>;

/**
 * An `order.<status>` ML event, typed by the event catalogue: a status change
 * hands it to the statement that moves the order, which writes it to the
 * outbox as it is (shared/orders/order-status-repository.ts).
 */
export type OrderEvent = { [T in OrderEventType]: { type: T; data: EventData<T> } }[OrderEventType];

/** `order.placed`: what was sold, at the unit prices of the placement, items in product order. */
export function orderPlaced(orderId: string, priced: { totalPrice: string; itemsCount: number; items: PricedItem[] }): OrderEvent {
  const items = priced.items
    .map((item) => ({ product_id: item.productId, quantity: item.quantity, unit_price: item.unitPrice }))
    .sort((a, b) => (a.product_id < b.product_id ? -1 : a.product_id > b.product_id ? 1 : 0));
  return {
    type: 'order.placed',
    data: { order_id: orderId, total_price: priced.totalPrice, items_count: priced.itemsCount, items },
  };
}

/** `order.failed`: why, and the lines that could not be served (none for reasons other than stock). */
export function orderFailed(orderId: string, reason: FailureReason, products: Shortage[] = []): OrderEvent {
  return { type: 'order.failed', data: { order_id: orderId, failure_reason: reason, products } };
}

/** `order.cancelled`: from which status, with the totals a placed order had (null while pending). */
export function orderCancelled(order: LockedOrder): OrderEvent {
  return {
    type: 'order.cancelled',
    data: { order_id: order.id, previous_status: order.status, total_price: order.totalPrice, items_count: order.itemsCount },
  };
}

/** `order.shipped` and `order.delivered`: the order alone. */
export function orderMoved(orderId: string, type: 'order.shipped' | 'order.delivered'): OrderEvent {
  return { type, data: { order_id: orderId } };
}
