import { type FailureDetails, type FailureReason, type OrderStatus } from '@checkout/client';

/** What each status means for the shopper. */
export const STATUS_WORDS: Record<OrderStatus, string> = {
  pending: 'We have your order and are placing it now: checking stock and prices.',
  placed: 'Your order is placed: the items are reserved for you.',
  failed: 'Your order could not be placed.',
  cancelled: 'This order is cancelled.',
  shipped: 'Your order is on its way.',
  delivered: 'Your order was delivered.',
};

/** Why an order failed, in words (the API's `failure_reason`). */
export const FAILURE_WORDS: Record<FailureReason, string> = {
  OUT_OF_STOCK: 'Some items ran out of stock before the order could be placed.',
  PRODUCT_UNAVAILABLE: 'Some items are no longer sold.',
  CART_EMPTY: 'The cart was empty when the order was placed.',
  ORDER_TOO_LARGE: 'The order total is too large to be taken.',
  PROCESSING_ERROR: 'The order could not be processed in time. Nothing was taken from stock; please try again.',
  REJECTED: 'The shop turned the order down.',
};

/** A line of `failure_details.products` in words, with the product's name when it is known. */
export function failedLineWords(line: NonNullable<FailureDetails['products']>[number], name: string | undefined): string {
  const what = name ?? `Product ${line.product_id.slice(0, 8)}`;
  const left = line.available === 0 ? 'none left' : `only ${line.available} left`;
  return `${what}: you asked for ${line.requested}, ${left}.`;
}

/** Statuses a customer may cancel from (the API's state machine). */
export const CANCELLABLE: ReadonlySet<OrderStatus> = new Set<OrderStatus>(['pending', 'placed']);
