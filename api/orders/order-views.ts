import type { OrderItem, OrderRecord } from '../../shared/orders/order-repository';
import type { Page } from '../../shared/pagination/cursor';

/** The wire shape of one order, with its status history. */
export function toOrderJson(order: OrderRecord) {
  return { ...toOrderSummaryJson(order), status_history: order.history ?? [] };
}

/** The wire shape of an order in a list (no history). */
export function toOrderSummaryJson(order: OrderRecord) {
  return {
    order_id: order.id,
    status: order.status,
    failure_reason: order.failureReason,
    failure_details: (order.failureDetails as Record<string, unknown> | null) ?? null,
    contact: order.contact,
    address: order.address,
    total_price: order.totalPrice,
    items_count: order.itemsCount,
    items: order.items.map(toOrderItemJson),
    created_at: order.createdAt.toISOString(),
    updated_at: order.updatedAt.toISOString(),
  };
}

/** The wire shape of an order line. */
function toOrderItemJson(item: OrderItem) {
  return { product_id: item.productId, name: item.name, unit_price: item.unitPrice, quantity: item.quantity, line_total: item.lineTotal };
}

/** The wire shape of a page of orders. */
export function toOrderListJson({ page, nextCursor }: Page<OrderRecord>) {
  return { orders: page.map(toOrderSummaryJson), next_cursor: nextCursor };
}
