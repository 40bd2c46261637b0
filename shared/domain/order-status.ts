/**
 * The order state machine: the only place that knows the allowed moves.
 * Every status change, by anyone, is checked here.
 */
export const ORDER_STATUSES = ['pending', 'placed', 'failed', 'cancelled', 'shipped', 'delivered'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

const MOVES: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = {
  pending: ['placed', 'failed', 'cancelled'],
  placed: ['shipped', 'cancelled'],
  shipped: ['delivered'],
  failed: [],
  cancelled: [],
  delivered: [],
};

/** True when `from → to` is an allowed move. */
export function canTransition(from: OrderStatus, to: OrderStatus): boolean {
  return MOVES[from].includes(to);
}

/** Statuses from which `to` can be reached in one move. */
export function sourcesOf(to: OrderStatus): OrderStatus[] {
  return ORDER_STATUSES.filter((from) => canTransition(from, to));
}

/** Final statuses never change again. */
export function isFinal(status: OrderStatus): boolean {
  return MOVES[status].length === 0;
}

/** Why an order failed (`failure_reason`). */
export const FAILURE_REASONS = [
  'OUT_OF_STOCK',
  'PRODUCT_UNAVAILABLE',
  'CART_EMPTY',
  'ORDER_TOO_LARGE',
  'PROCESSING_ERROR',
  'REJECTED',
] as const;
export type FailureReason = (typeof FAILURE_REASONS)[number];
